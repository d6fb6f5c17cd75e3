namespace NeuralNotebooks;

/// <summary>
/// Finds the repository's <c>data/</c> folder from wherever the code runs: a notebook runs in
/// <c>notebooks/</c>, a test in its bin folder, a file-based app anywhere inside the clone.
/// </summary>
internal static class DataDirectory
{
    /// <summary>The full path of <c>data/&lt;relative&gt;</c>, or an error saying where it looked.</summary>
    public static string Find(string relative)
    {
        foreach (var start in Starts())
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", relative);
                if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException(
            $"Could not find data/{relative.Replace('\\', '/')} {Searched()}. " +
            "Run from inside a clone of the repository, or pass the file's path explicitly.", relative);
    }

    /// <summary>Refuses a path that is not a file, saying which: absent, or a directory (reading one said "access denied", or that it did not exist).</summary>
    public static void RequireFile(string path)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"{path} is a directory, not a file.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the file does not exist.", path);
    }

    /// <summary>
    /// Why <paramref name="path"/> is not a folder (absent, or a file), with what it should hold; null when it is one.
    /// A missing folder was reported as its first file missing, as if the folder were there.
    /// </summary>
    public static string? FolderProblem(string path, string holding) =>
        File.Exists(path) ? $"{path} is a file, not a folder: expected a folder holding {holding}."
        : !Directory.Exists(path) ? $"{path} does not exist: expected a folder holding {holding}."
        : null;

    /// <summary>Where <see cref="Find"/> looks, for an error message: "in X, Y or any folder above them".</summary>
    public static string Searched() => $"in {string.Join(", ", Starts())} or any folder above them (the current directory and the library's folder)";

    private static IEnumerable<string> Starts() =>
        new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(typeof(DataDirectory).Assembly.Location) }
            .Where(s => !string.IsNullOrEmpty(s)).Select(s => Path.TrimEndingDirectorySeparator(Path.GetFullPath(s!))).Distinct();
}
