using System.Text.RegularExpressions;

namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>
/// Every tutorial also ships as a C# file-based app (notebooks/apps/). In the fresh copy, each app must run
/// with README's <c>dotnet run notebooks/apps/...</c> and print the same headline as its notebook printed
/// when README's run command executed it (the computations are seeded, so the numbers are identical), and
/// README's export command must write exactly the committed apps.
/// </summary>
[Collection(NewcomerCollection.Name)]
public class FileBasedAppTests(Newcomer newcomer)
{
    public static TheoryData<string, string> Headlines => new()
    {
        { "01-intro", @"Test accuracy: (\S+ %) of the" },
        { "02-tensors-and-activations", @"library SIMD .* max \|difference\| from TensorPrimitives: (\S+)" },
        { "03-mlp", @"Test accuracy: (\S+ %)\r?\nTest loss: (\S+)" },
        { "04-digits-from-scratch", @"Test accuracy: (\S+ %)" },
        { "05-cnn", @"Test accuracy: (\S+ %)\r?\nTest loss: (\S+)" },
    };

    [Fact]
    public async Task Readme_runs_one_app_per_notebook()
    {
        await newcomer.Through(Newcomer.Step.Apps);
        Assert.Equal(Newcomer.NotebookNames, newcomer.Apps.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Newcomer.NotebookNames.Select(n => n + ".cs"), newcomer.CommittedApps.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_committed_apps_are_what_readmes_export_command_writes()
    {
        await newcomer.Through(Newcomer.Step.Apps);
        Assert.True(newcomer.Export.ExitCode == 0, newcomer.Export.ToString());
        Assert.Equal(newcomer.CommittedApps.Keys.Order(StringComparer.Ordinal), newcomer.ExportedApps.Keys.Order(StringComparer.Ordinal));
        foreach (var (file, committed) in newcomer.CommittedApps)
            Assert.True(committed == newcomer.ExportedApps[file],
                $"notebooks/apps/{file} is out of date: run dotnet run --project lib/NeuralNotebooks.Runner -- --export-apps notebooks/apps notebooks/");
    }

    [Fact]
    public async Task The_paths_an_app_prints_exist_from_where_readme_runs_it()
    {
        // Printed relative to notebooks/, where an app runs, they read "apps/output/01-intro/..." from the clone's root.
        await newcomer.Through(Newcomer.Step.Apps);
        foreach (var (name, app) in newcomer.Apps)
        {
            var paths = Regex.Matches(app.Stdout, @"^\[(.+\.(?:svg|html))\]\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
            Assert.NotEmpty(paths);
            Assert.All(paths, path => Assert.True(File.Exists(Path.Combine(newcomer.Copy.Root, path)), $"{name}.cs printed [{path}], which is not there from the clone's root"));
            Assert.All(paths, path => Assert.StartsWith($"notebooks/apps/output/{name}/", path.Replace('\\', '/')));
        }
    }

    [Fact]
    public async Task The_apps_take_package_files_as_links_not_copies()
    {
        // Copied, the five apps' builds held 4.1 GB (LibTorch alone is 475 MB each) and filled CI's disk.
        // A hard link needs the NuGet cache and the build on one file system; elsewhere MSBuild copies, and there is nothing to check.
        await newcomer.Through(Newcomer.Step.Apps);
        // df -P, find -links/-size and wc -c read the same with GNU's tools (Linux) and BSD's (macOS).
        var check = await newcomer.Copy.Run(
            $$"""
            packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
            if [ "$(df -P "$packages" | awk 'NR == 2 { print $1 }')" != "$(df -P '{{newcomer.Copy.DataHome}}' | awk 'NR == 2 { print $1 }')" ]; then echo "the NuGet cache is on another file system"; exit 0; fi
            find '{{newcomer.Copy.DataHome}}' -path '*/bin/*' -type f -links 1 -size +1M -exec wc -c {} +
            """, TimeSpan.FromMinutes(1));
        Assert.True(check.ExitCode == 0, check.ToString());
        if (check.Stdout.StartsWith("the NuGet cache is on another file system", StringComparison.Ordinal)) return;
        // wc prints "<bytes> <path>" a file, and a line of the total after two or more.
        var copied = check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => (Bytes: long.Parse(line[..line.IndexOf(' ')]), Path: line[(line.IndexOf(' ') + 1)..].Trim()))
            .Where(f => f.Path != "total")
            .OrderByDescending(f => f.Bytes).ToList();
        Assert.True(copied.Count == 0,
            $"{copied.Count} files over 1 MB, {copied.Sum(f => f.Bytes) / (1 << 20)} MB in all, were copied into the apps' bin/ instead of linked " +
            "(CreateHardLinksForCopyLocalIfPossible in Directory.Build.props); the largest:\n" +
            string.Join('\n', copied.Take(3).Select(f => $"{f.Bytes / (1 << 20)} MB {f.Path}")));
    }

    [Theory, MemberData(nameof(Headlines))]
    public async Task App_runs_and_reaches_its_notebooks_headline(string name, string pattern)
    {
        await newcomer.Through(Newcomer.Step.Apps);
        Assert.True(newcomer.Apps.TryGetValue(name, out var app), $"README runs no app for {name}");
        Assert.True(app.ExitCode == 0, app.ToString());
        var fromApp = Regex.Match(app.Stdout, pattern, RegexOptions.Multiline);
        Assert.True(fromApp.Success, $"{name}.cs printed no line matching {pattern}:\n{app.Stdout}");
        var fromNotebook = new ExecutedNotebook(newcomer.ExecutedNotebook(name)).Find(pattern);
        Assert.Equal(fromNotebook, fromApp.Groups.Values.Skip(1).Select(g => g.Value));
    }
}
