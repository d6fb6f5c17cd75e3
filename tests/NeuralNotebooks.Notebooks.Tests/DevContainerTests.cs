using System.Text.Json;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>The dev container a Codespace starts from: it parses, installs the Polyglot extension and the tests' Debian packages, and builds as README says.</summary>
public class DevContainerTests
{
    [Fact]
    public void Dev_container_builds_the_library_with_the_command_readme_gives()
    {
        var root = Newcomer.Repository;
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, ".devcontainer", "devcontainer.json")));
        var postCreate = json.RootElement.GetProperty("postCreateCommand").GetString()!;
        var build = Readme.CommandStartingWith(File.ReadAllText(Path.Combine(root, "README.md")), "## Open them in VS Code or a Codespace", "dotnet build");
        Assert.Equal([Readme.DebianPackagesCommand, build], postCreate.Split("&&").Select(c => c.Trim()));
        Assert.Contains("10.0", json.RootElement.GetProperty("image").GetString());
        var extensions = json.RootElement.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions").EnumerateArray().Select(e => e.GetString());
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
    }
}
