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
        // The image's 1.x line ends with .NET 10's release candidate, which global.json (10.0.100, no pre-releases)
        // refuses, so that nothing built; .NET 10.0.100 itself came with the image's version 2.
        var image = json.RootElement.GetProperty("image").GetString()!;
        var version = System.Text.RegularExpressions.Regex.Match(image, @"^mcr\.microsoft\.com/devcontainers/dotnet:(\d+)(?:\.\d+){0,2}-10\.0(?:-noble)?$");
        Assert.True(version.Success, $"unexpected image {image}");
        Assert.True(int.Parse(version.Groups[1].Value) >= 2, $"{image}: version 1 of the image carries a .NET 10 release candidate that global.json refuses");
        var extensions = json.RootElement.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions").EnumerateArray().Select(e => e.GetString());
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
    }
}
