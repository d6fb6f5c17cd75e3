using System.Runtime.InteropServices;

namespace NeuralNotebooks.Torch;

/// <summary>The libstdc++.so.6 this process uses, and the symbol versions it defines.</summary>
static class SystemLibStdCxx
{
    /// <summary>Loads libstdc++.so.6 the way the dynamic loader would and reads its version definitions.</summary>
    public static (string Path, IReadOnlySet<string> Versions) Versions()
    {
        NativeLibrary.Load("libstdc++.so.6");
        // The loaded file, not a guess at its folder: /proc/self/maps names every mapped library.
        string? path = File.ReadLines("/proc/self/maps")
            .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : "")
            .FirstOrDefault(p => System.IO.Path.GetFileName(p).StartsWith("libstdc++.so.6", StringComparison.Ordinal));
        if (path == null)
            throw new TorchSharpUnavailableException("libstdc++.so.6 loaded but does not appear in /proc/self/maps, so its versions cannot be read.");
        return (path, ElfFile.Read(path).DefinedVersions().ToHashSet());
    }
}

/// <summary>Orders version names like GLIBCXX_3.4.9 &lt; GLIBCXX_3.4.30 by their numbers.</summary>
sealed class VersionOrder : IComparer<string>
{
    public static readonly VersionOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = Numbers(x); var b = Numbers(y);
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return a.Length.CompareTo(b.Length);
    }

    static int[] Numbers(string? name) =>
        (name ?? "").Split('_').Last().Split('.').Select(p => int.TryParse(p, out int n) ? n : 0).ToArray();
}
