namespace NeuralNotebooks.Tests;

/// <summary>
/// Scratch folders for the tests that write files. They all lie in one folder per test process, deleted
/// when the process exits, so that a test run leaves nothing behind in the system's temp folder (each run
/// used to leave about 60 folders and a 2.4 MB weights file there).
/// </summary>
internal static class TempFolder
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("nn-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Best effort: a file still open on Windows keeps the folder, which is no reason to fail the run.
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    /// <summary>A new empty folder.</summary>
    public static string New()
    {
        string folder = Path.Combine(Root.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>The path of a file named <paramref name="name"/> in a new empty folder.</summary>
    public static string File(string name) => Path.Combine(New(), name);
}
