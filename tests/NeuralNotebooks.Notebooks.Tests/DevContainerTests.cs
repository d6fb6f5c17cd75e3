using System.Text.Json;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>The dev container a Codespace starts from: it parses, installs the Polyglot extension, and builds as README says.</summary>
public class DevContainerTests
{
    [Fact]
    public void Dev_container_builds_the_library_with_the_command_readme_gives()
    {
        var root = Path.GetDirectoryName(NotebookTests.Notebooks())!;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, ".devcontainer", "devcontainer.json")));
        var postCreate = json.RootElement.GetProperty("postCreateCommand").GetString()!;
        Assert.Equal("dotnet build lib/NeuralNotebooks/NeuralNotebooks.csproj", postCreate);
        Assert.Contains(postCreate, File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Contains("10.0", json.RootElement.GetProperty("image").GetString());
        var extensions = json.RootElement.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions").EnumerateArray().Select(e => e.GetString());
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
    }

    [Fact]
    public void Ci_runs_exactly_the_test_command_readme_gives()
    {
        var root = Path.GetDirectoryName(NotebookTests.Notebooks())!;
        var command = File.ReadAllLines(Path.Combine(root, ".ci", "run")).Last(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).Trim();
        Assert.Equal("dotnet test NeuralNotebooks.sln", command);
        Assert.Contains(command, File.ReadAllText(Path.Combine(root, "README.md")));
    }
}
