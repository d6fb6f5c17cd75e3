namespace NeuralNotebooks.Notebooks.Tests;

/// <summary>
/// The commands README.md gives, read from its code blocks, so that the tests run what a reader types
/// and README cannot drift away from what is tested.
/// </summary>
public static class Readme
{
    /// <summary>README's test command; it runs these tests, so they check it is there instead of running it.</summary>
    public const string TestCommand = "dotnet test NeuralNotebooks.sln";

    /// <summary>README's command that installs the Debian packages the tests need; CI runs it, these tests check that instead of installing.</summary>
    public const string DebianPackagesCommand = "tests/install-debian-packages.sh";

    /// <summary>The commands of the <paramref name="index"/>-th bash code block of the section headed <paramref name="heading"/>: its lines that are neither blank nor comments.</summary>
    public static IReadOnlyList<string> Commands(string readmeText, string heading, int index = 0)
    {
        var lines = readmeText.ReplaceLineEndings("\n").Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == heading);
        if (start < 0) throw new InvalidOperationException($"README.md has no section \"{heading}\"");
        int blocks = 0;
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            if (lines[i].Trim() != "```bash") continue;
            var commands = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
                if (lines[i].Trim().Length > 0 && !lines[i].TrimStart().StartsWith('#')) commands.Add(lines[i].Trim());
            if (blocks++ == index) return commands;
        }
        throw new InvalidOperationException($"README.md's section \"{heading}\" has no bash code block number {index + 1}");
    }

    /// <summary>The one command of the section headed <paramref name="heading"/> that starts with <paramref name="prefix"/>, in any of its bash blocks.</summary>
    public static string CommandStartingWith(string readmeText, string heading, string prefix)
    {
        var found = new List<string>();
        for (int index = 0; ; index++)
        {
            IReadOnlyList<string> block;
            try { block = Commands(readmeText, heading, index); }
            catch (InvalidOperationException) { break; }
            found.AddRange(block.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)));
        }
        return found.Count == 1 ? found[0] : throw new InvalidOperationException($"README.md's section \"{heading}\" has {found.Count} commands starting with \"{prefix}\", expected one");
    }
}
