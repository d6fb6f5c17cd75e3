namespace NeuralNotebooks.Torch;

/// <summary>
/// Makes TorchSharp's native glue load against an older libstdc++ (Debian 12's GCC 12 one) by
/// editing symbol versions in a copy of the library, without recompiling anything.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's libLibTorchSharp.so was linked with GCC 13. GCC 13's &lt;iostream&gt; makes
/// every object that includes it reference <c>std::ios_base_library_init()</c> only so that the
/// linker records a dependency on a libstdc++ new enough to construct std::cout early; the code
/// never calls it. That reference is the library's only use of version GLIBCXX_3.4.32, which
/// GCC 12's libstdc++ (up to GLIBCXX_3.4.30) lacks, so the dynamic loader refuses the whole file.
/// The edit marks that version requirement weak (the loader then only warns in verbose mode),
/// makes the symbol unversioned and weak, and refuses to touch anything else: any other symbol of
/// a missing version, or a relocation that would actually use the symbol, is reported as an
/// error, because then the library would really need the newer libstdc++.
/// </remarks>
public static class GlibcxxCompatibility
{
    /// <summary>Symbols that only anchor a version requirement and are never called or read.</summary>
    public static readonly IReadOnlySet<string> LinkOnlySymbols = new HashSet<string> { "_ZSt21ios_base_library_initv" };

    /// <summary>The versions of libstdc++.so.6 that <paramref name="library"/> needs and <paramref name="available"/> lacks.</summary>
    public static IReadOnlyList<string> MissingVersions(ElfFile library, IReadOnlySet<string> available) =>
        library.NeededVersions()
            .Where(v => v.File == "libstdc++.so.6" && !available.Contains(v.Name))
            .Select(v => v.Name).Distinct().ToList();

    /// <summary>
    /// Edits <paramref name="library"/> in place so that it loads without the libstdc++ versions
    /// it needs but <paramref name="available"/> lacks. Returns the versions it relaxed (empty when
    /// nothing was missing and nothing was changed).
    /// </summary>
    /// <exception cref="NotSupportedException">A missing version is really used by the library.</exception>
    public static IReadOnlyList<string> Relax(ElfFile library, IReadOnlySet<string> available, string libraryName)
    {
        var missing = library.NeededVersions()
            .Where(v => v.File == "libstdc++.so.6" && !available.Contains(v.Name)).ToList();
        if (missing.Count == 0) return [];
        var symbols = library.DynamicSymbols();
        var relocated = library.RelocatedSymbols();
        var toEdit = new List<ElfFile.DynamicSymbol>();
        foreach (var version in missing)
        {
            foreach (var symbol in symbols.Where(s => (s.VersionIndex & 0x7fff) == version.Index))
            {
                if (!LinkOnlySymbols.Contains(symbol.Name) || symbol.Section != 0 || relocated.Contains(symbol.Index))
                    throw new NotSupportedException(
                        $"{libraryName} uses {symbol.Name} from {version.Name} of libstdc++.so.6, which this system's " +
                        $"libstdc++ does not provide; only a newer libstdc++ (GCC 13 or later) can run it.");
                toEdit.Add(symbol);
            }
        }
        foreach (var version in missing) library.SetNeededVersionFlags(version, (ushort)(version.Flags | ElfFile.VerFlagWeak));
        foreach (var symbol in toEdit) library.MakeUnversionedWeak(symbol);
        return missing.Select(v => v.Name).Distinct().ToList();
    }
}
