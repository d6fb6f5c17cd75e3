using NeuralNotebooks.Torch;

namespace NeuralNotebooks.Torch.Tests;

/// <summary>
/// The symbol-version edit on TorchSharp's real glue library, against a pretend libstdc++ that
/// lacks chosen versions, so these run the same on old and new systems.
/// </summary>
[Trait("Category", "TorchSharp")]
public class ElfEditTests
{
    static readonly string GluePath = NativeLocations.Find().Glue;
    static readonly byte[] Original = File.ReadAllBytes(GluePath);

    static HashSet<string> AllNeeded(ElfFile elf) => elf.NeededVersions().Select(v => v.Name).ToHashSet();

    [Fact]
    public void The_glue_needs_glibcxx_3_4_32_for_one_symbol_only()
    {
        var elf = new ElfFile((byte[])Original.Clone(), GluePath);
        var needed = elf.NeededVersions().Single(v => v.Name == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", needed.File);
        var users = elf.DynamicSymbols().Where(s => (s.VersionIndex & 0x7fff) == needed.Index).ToList();
        Assert.Equal(["_ZSt21ios_base_library_initv"], users.Select(s => s.Name));
        Assert.DoesNotContain(users[0].Index, elf.RelocatedSymbols());
    }

    [Fact]
    public void Relax_changes_only_the_version_flag_the_binding_and_the_version_index()
    {
        var elf = new ElfFile((byte[])Original.Clone(), GluePath);
        var available = AllNeeded(elf);
        available.Remove("GLIBCXX_3.4.32");
        Assert.Equal(["GLIBCXX_3.4.32"], GlibcxxCompatibility.Relax(elf, available, "glue"));

        var changed = Enumerable.Range(0, Original.Length).Where(i => Original[i] != elf.Bytes[i]).ToList();
        var version = elf.NeededVersions().Single(v => v.Name == "GLIBCXX_3.4.32");
        var symbol = elf.DynamicSymbols().Single(s => s.Name == "_ZSt21ios_base_library_initv");
        Assert.Equal(ElfFile.VerFlagWeak, version.Flags & ElfFile.VerFlagWeak);
        Assert.Equal(2, symbol.Binding);          // STB_WEAK
        Assert.Equal(1, symbol.VersionIndex);     // unversioned ("global")
        Assert.InRange(changed.Count, 3, 4);      // flag byte, st_info byte, one or two bytes of the version index
        Assert.Contains((int)version.FlagsOffset, changed);
        // Every other needed version and symbol is untouched.
        var before = new ElfFile((byte[])Original.Clone(), GluePath);
        Assert.Equal(before.NeededVersions().Where(v => v.Name != "GLIBCXX_3.4.32"), elf.NeededVersions().Where(v => v.Name != "GLIBCXX_3.4.32"));
        Assert.Equal(before.DynamicSymbols().Where(s => s.Index != symbol.Index), elf.DynamicSymbols().Where(s => s.Index != symbol.Index));
    }

    [Fact]
    public void Nothing_changes_when_every_version_is_available()
    {
        var elf = new ElfFile((byte[])Original.Clone(), GluePath);
        Assert.Empty(GlibcxxCompatibility.Relax(elf, AllNeeded(elf), "glue"));
        Assert.Equal(Original, elf.Bytes);
    }

    [Fact]
    public void A_missing_version_that_real_code_uses_is_refused_with_the_symbol_named()
    {
        var elf = new ElfFile((byte[])Original.Clone(), GluePath);
        var available = AllNeeded(elf);
        available.Remove("GLIBCXX_3.4.30");
        var e = Assert.Throws<NotSupportedException>(() => GlibcxxCompatibility.Relax(elf, available, "libLibTorchSharp.so"));
        Assert.Contains("GLIBCXX_3.4.30", e.Message);
        Assert.Contains("libLibTorchSharp.so uses _Z", e.Message);
        Assert.Equal(Original, elf.Bytes);
    }

    [Fact]
    public void The_system_libstdcxx_reports_its_versions()
    {
        var (path, versions) = SystemLibStdCxx.Versions();
        Assert.Contains("libstdc++.so.6", path);
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("CXXABI_1.3", versions);
    }

    [Theory]
    [InlineData(0, "ELF magic")]
    [InlineData(40, "ELF magic")]
    [InlineData(4096, "section header table")]
    public void A_truncated_or_foreign_file_is_named_with_what_is_wrong(int length, string what)
    {
        var bytes = length == 40 ? new byte[40] : Original[..length];
        var e = Assert.Throws<InvalidDataException>(() => new ElfFile(bytes, "broken.so").NeededVersions());
        Assert.Contains("broken.so", e.Message);
        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Version_names_order_by_their_numbers()
    {
        string[] names = ["GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_3.4", "GLIBCXX_3.4.29"];
        Assert.Equal(["GLIBCXX_3.4", "GLIBCXX_3.4.9", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30"], names.Order(VersionOrder.Instance));
    }
}
