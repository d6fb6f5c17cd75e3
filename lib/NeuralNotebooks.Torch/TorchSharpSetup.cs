using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace NeuralNotebooks.Torch;

/// <summary>
/// Loads TorchSharp's native libraries so that <c>TorchSharp.torch</c> works in notebooks, tests,
/// apps and benchmarks, including on Linux distributions whose libstdc++ is older than the one
/// TorchSharp was built with (Debian 12, Ubuntu 22.04). Call <see cref="Load"/> once, after the
/// TorchSharp-cpu package is referenced and before the first use of <c>torch</c>.
/// </summary>
/// <remarks>
/// Where the system's libstdc++ lacks a version that libLibTorchSharp.so asks for, a copy of that
/// library is edited (see <see cref="GlibcxxCompatibility"/>) and cached under the user's cache
/// folder, keyed by the SHA-256 of the original, then loaded by full path before TorchSharp's own
/// loader runs. Elsewhere nothing is copied or edited. When TorchSharp cannot run (no LibTorch
/// package for this platform, a library really needing a newer libstdc++), <see cref="Load"/>
/// returns a status that says why and what to do; <see cref="Require"/> throws with that text.
/// </remarks>
public static class TorchSharpSetup
{
    /// <summary>The README heading that explains this setup.</summary>
    public const string ReadmeHeading = "TorchSharp on Debian 12 / older Linux";

    static readonly Lock Gate = new();
    static TorchSharpStatus? _status;

    /// <summary>True once <see cref="Load"/> has made TorchSharp usable in this process.</summary>
    public static bool Ready => _status?.Ready == true;

    /// <summary>
    /// Loads TorchSharp's natives (once per process) and reports what was done. A failure to find them is not
    /// kept: after referencing the package, as the message advises, calling it again loads them (a notebook
    /// that ran its setup cell before its #r no longer needs a restart). A failure of LibTorch itself is kept.
    /// </summary>
    public static TorchSharpStatus Load()
    {
        lock (Gate)
        {
            if (_status is not null) return _status;
            var status = LoadOnce(out bool final);
            if (final) _status = status;
            return status;
        }
    }

    /// <summary>Like <see cref="Load"/>, but throws when TorchSharp cannot be used here, with the reason and the fix.</summary>
    /// <exception cref="TorchSharpUnavailableException">TorchSharp cannot run in this process.</exception>
    public static TorchSharpStatus Require()
    {
        var status = Load();
        return status.Ready ? status : throw new TorchSharpUnavailableException(status.Message);
    }

    static TorchSharpStatus LoadOnce(out bool final)
    {
        final = true;
        string platform = $"{RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})";
        if (OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return TorchSharpStatus.Unavailable(platform,
                $"TorchSharp-cpu ships LibTorch for linux-x64, win-x64 and osx-arm64, not for Linux on {RuntimeInformation.ProcessArchitecture}. " +
                "The library's own results above are complete; the TorchSharp comparisons need an x64 Linux, Windows or Apple Silicon machine " +
                $"(see the README section \"{ReadmeHeading}\").");
        string? patched = null;
        IReadOnlyList<string> relaxed = [];
        if (OperatingSystem.IsLinux())
        {
            try
            {
                (patched, relaxed) = PrepareLinux();
            }
            catch (Exception e) when (e is TorchSharpUnavailableException or NotSupportedException or InvalidDataException or DllNotFoundException or IOException)
            {
                // Nothing of TorchSharp's has run yet, so a later call can still succeed once the natives are there.
                final = false;
                return TorchSharpStatus.Unavailable(platform, e.Message);
            }
        }
        try
        {
            using var probe = torch.ones(2).sum();
            if (probe.item<float>() != 2f) throw new InvalidOperationException("torch.ones(2).sum() did not return 2.");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return TorchSharpStatus.Unavailable(platform,
                $"TorchSharp's native library did not load: {FirstLine(e.Message)} " +
                $"See the README section \"{ReadmeHeading}\".");
        }
        string how = relaxed.Count == 0
            ? "loaded as shipped"
            : $"loaded through an edited copy of libLibTorchSharp.so ({Tilde(patched!)}) because this system's libstdc++ lacks {string.Join(", ", relaxed)}";
        return new TorchSharpStatus(true, platform, $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} (LibTorch {torch.__version__}) {how}.", patched);
    }

    static (string? Patched, IReadOnlyList<string> Relaxed) PrepareLinux()
    {
        var (glue, libtorchDir) = NativeLocations.Find();
        // LibTorch first, by full path: the glue's RUNPATH is $ORIGIN, which no longer finds it once
        // the glue is a copy in the cache; the dynamic loader then matches these by their sonames.
        NativeLibrary.Load(Path.Combine(libtorchDir, "libtorch_cpu.so"));
        NativeLibrary.Load(Path.Combine(libtorchDir, "libtorch.so"));
        var library = ElfFile.Read(glue);
        var (libstdcxx, available) = SystemLibStdCxx.Versions();
        var missing = GlibcxxCompatibility.MissingVersions(library, available);
        if (missing.Count == 0)
        {
            NativeLibrary.Load(glue);
            return (null, []);
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(library.Bytes))[..16];
        string target = Path.Combine(CacheDirectory(), hash, "libLibTorchSharp.so");
        IReadOnlyList<string> relaxed;
        try
        {
            relaxed = GlibcxxCompatibility.Relax(library, available, glue);
        }
        catch (NotSupportedException e)
        {
            throw new TorchSharpUnavailableException(
                $"{e.Message} This system's libstdc++ ({libstdcxx}) provides up to {available.Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal)).OrderBy(v => v, VersionOrder.Instance).Last()}. " +
                $"Use Ubuntu 24.04 / Debian 13 or the dev container, or see the README section \"{ReadmeHeading}\".");
        }
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(library.Bytes))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string temp = $"{target}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(temp, library.Bytes);
            File.Move(temp, target, overwrite: true);
        }
        try
        {
            NativeLibrary.Load(target);
        }
        catch (DllNotFoundException e)
        {
            throw new TorchSharpUnavailableException(
                $"The edited copy {target} of {glue} (made because {libstdcxx} lacks {string.Join(", ", missing)}) still does not load: {FirstLine(e.Message)} " +
                $"See the README section \"{ReadmeHeading}\".");
        }
        return (target, relaxed);
    }

    /// <summary>Where edited copies go: $XDG_CACHE_HOME or ~/.cache, never the repository.</summary>
    static string CacheDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "NeuralNotebooks", "torchsharp");
    }

    /// <summary>A path under the home folder written as ~/..., so printed notebook outputs carry no user's home.</summary>
    static string Tilde(string path)
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 1 && path.StartsWith(home + "/", StringComparison.Ordinal) ? "~" + path[home.Length..] : path;
    }

    static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
