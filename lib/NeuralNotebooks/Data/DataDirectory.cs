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
        var tried = new List<string>();
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(typeof(DataDirectory).Assembly.Location) })
        {
            if (string.IsNullOrEmpty(start)) continue;
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", relative);
                if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
                tried.Add(dir.FullName);
            }
        }
        throw new FileNotFoundException(
            $"Could not find data/{relative.Replace('\\', '/')} in the current directory, the library's folder, or any folder above them. " +
            "Run from inside a clone of the repository, or pass the file's path explicitly.", relative);
    }
}
