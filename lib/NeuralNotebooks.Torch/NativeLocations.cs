using TorchSharp;

namespace NeuralNotebooks.Torch;

/// <summary>Finds TorchSharp's glue library and LibTorch's libraries on Linux x64, wherever the host put them.</summary>
static class NativeLocations
{
    const string Rid = "linux-x64";

    /// <summary>The path of libLibTorchSharp.so and the folder holding libtorch_cpu.so.</summary>
    public static (string Glue, string LibTorchDir) Find()
    {
        string version = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "0.107.0";
        var looked = new List<string>();
        // An app or a test has the natives in its bin folder; a notebook kernel loads TorchSharp.dll
        // straight from the NuGet cache, where the natives sit in sibling packages.
        var roots = new List<string> { AppContext.BaseDirectory };
        string? assemblyDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(assemblyDir)) roots.Add(assemblyDir);
        var folders = roots.SelectMany(r => new[] { r, Path.Combine(r, "runtimes", Rid, "native"), Path.Combine(r, "..", "..", "runtimes", Rid, "native") })
            .Select(Path.GetFullPath).ToList();
        string packages = NuGetPackages();
        folders.Add(Path.Combine(packages, "torchsharp", version, "runtimes", Rid, "native"));
        string? glue = First(folders, "libLibTorchSharp.so", looked);
        var libtorchFolders = new List<string>();
        if (glue != null) libtorchFolders.Add(Path.GetDirectoryName(glue)!);
        libtorchFolders.AddRange(folders);
        string libtorchPackage = Path.Combine(packages, "libtorch-cpu-linux-x64");
        if (Directory.Exists(libtorchPackage))
            libtorchFolders.AddRange(Directory.GetDirectories(libtorchPackage)
                .OrderByDescending(d => Version.TryParse(Path.GetFileName(d), out var v) ? v : new Version())
                .Select(d => Path.Combine(d, "runtimes", Rid, "native")));
        string? libtorch = First(libtorchFolders, "libtorch_cpu.so", looked);
        if (glue == null || libtorch == null)
            throw new TorchSharpUnavailableException(
                $"{(glue == null ? "libLibTorchSharp.so" : "libtorch_cpu.so")} was not found (looked in {string.Join(", ", looked.Distinct())}). " +
                "Reference the package TorchSharp-cpu 0.107.0: in a notebook #r \"nuget: TorchSharp-cpu, 0.107.0\", in a project <PackageReference Include=\"TorchSharp-cpu\" Version=\"0.107.0\" />, in a file-based app #:package TorchSharp-cpu@0.107.0.");
        return (glue, Path.GetDirectoryName(libtorch)!);
    }

    static string NuGetPackages()
    {
        string? configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return string.IsNullOrEmpty(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")
            : configured;
    }

    static string? First(IEnumerable<string> folders, string file, List<string> looked)
    {
        foreach (var folder in folders.Distinct())
        {
            string path = Path.Combine(folder, file);
            if (File.Exists(path)) return path;
            looked.Add(folder);
        }
        return null;
    }
}
