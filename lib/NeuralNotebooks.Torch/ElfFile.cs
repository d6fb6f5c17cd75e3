using System.Buffers.Binary;
using System.Text;

namespace NeuralNotebooks.Torch;

/// <summary>
/// The few parts of a 64-bit little-endian ELF shared library that symbol versioning lives in:
/// the dynamic symbols, their version indices (.gnu.version), the versions the library needs from
/// others (.gnu.version_r), the versions it defines itself (.gnu.version_d) and the dynamic
/// relocations. Reads and edits a byte array in place; nothing is resized or moved.
/// </summary>
public sealed class ElfFile
{
    const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

    /// <summary>The vna_flags bit that makes a missing needed version a non-fatal condition for the dynamic loader.</summary>
    public const ushort VerFlagWeak = 0x2;

    readonly byte[] _bytes;
    readonly string _name;
    readonly List<Section> _sections = [];

    record struct Section(uint Type, long Offset, long Size, uint Link, long EntrySize);

    /// <summary>A version a library needs (an entry of .gnu.version_r), e.g. GLIBCXX_3.4.32 from libstdc++.so.6.</summary>
    public sealed record NeededVersion(string File, string Name, ushort Flags, ushort Index, long FlagsOffset);

    /// <summary>A dynamic symbol with its version index (0 local, 1 global, else a needed or defined version).</summary>
    public sealed record DynamicSymbol(int Index, string Name, byte Binding, ushort Section, ushort VersionIndex);

    /// <summary>Parses <paramref name="bytes"/>; <paramref name="name"/> only names the file in errors.</summary>
    public ElfFile(byte[] bytes, string name)
    {
        _bytes = bytes;
        _name = name;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw Corrupt("it does not start with the ELF magic number");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw Corrupt($"only 64-bit little-endian ELF is supported (class {bytes[4]}, data {bytes[5]})");
        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3A), shnum = U16(0x3C);
        if (shentsize != 64 || shoff <= 0 || shoff + (long)shnum * 64 > bytes.Length)
            throw Corrupt($"its section header table (offset {shoff}, {shnum} entries of {shentsize} bytes) lies outside the file");
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + i * 64L;
            var s = new Section(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), (long)U64(h + 56));
            if (s.Type != 8 /* NOBITS */ && s.Offset + s.Size > bytes.Length)
                throw Corrupt($"section {i} (type 0x{s.Type:x}) runs past the end of the file");
            _sections.Add(s);
        }
    }

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public static ElfFile Read(string path) => new(File.ReadAllBytes(path), path);

    /// <summary>The (possibly edited) bytes of the file.</summary>
    public byte[] Bytes => _bytes;

    /// <summary>Every version this library needs from other libraries.</summary>
    public IReadOnlyList<NeededVersion> NeededVersions()
    {
        var result = new List<NeededVersion>();
        foreach (var s in _sections.Where(s => s.Type == ShtGnuVerneed))
        {
            var strtab = _sections[(int)s.Link];
            long vn = s.Offset;
            for (int guard = 0; guard < 10_000; guard++)
            {
                ushort count = U16(vn + 2);
                string file = Str(strtab, U32(vn + 4));
                long aux = vn + U32(vn + 8);
                for (int a = 0; a < count; a++)
                {
                    result.Add(new NeededVersion(file, Str(strtab, U32(aux + 8)), U16(aux + 4), U16(aux + 6), aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }
        return result;
    }

    /// <summary>Every version this library defines (for libstdc++.so.6: GLIBCXX_3.4 ... GLIBCXX_3.4.N).</summary>
    public IReadOnlyList<string> DefinedVersions()
    {
        var result = new List<string>();
        foreach (var s in _sections.Where(s => s.Type == ShtGnuVerdef))
        {
            var strtab = _sections[(int)s.Link];
            long vd = s.Offset;
            for (int guard = 0; guard < 10_000; guard++)
            {
                result.Add(Str(strtab, U32(vd + U32(vd + 12))));
                uint next = U32(vd + 16);
                if (next == 0) break;
                vd += next;
            }
        }
        return result;
    }

    /// <summary>The dynamic symbols with their version indices.</summary>
    public IReadOnlyList<DynamicSymbol> DynamicSymbols()
    {
        var dynsym = _sections.FirstOrDefault(s => s.Type == ShtDynsym);
        if (dynsym.Type == 0) return [];
        var strtab = _sections[(int)dynsym.Link];
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        int n = (int)(dynsym.Size / 24);
        var result = new List<DynamicSymbol>(n);
        for (int i = 0; i < n; i++)
        {
            long e = dynsym.Offset + i * 24L;
            ushort version = versym.Type == 0 ? (ushort)1 : U16(versym.Offset + i * 2L);
            result.Add(new DynamicSymbol(i, Str(strtab, U32(e)), (byte)(_bytes[e + 4] >> 4), U16(e + 6), version));
        }
        return result;
    }

    /// <summary>Indices of the dynamic symbols that some dynamic relocation refers to.</summary>
    public ISet<int> RelocatedSymbols()
    {
        var result = new HashSet<int>();
        int dynsymIndex = _sections.FindIndex(s => s.Type == ShtDynsym);
        foreach (var s in _sections.Where(s => (s.Type == ShtRela || s.Type == ShtRel) && s.Link == dynsymIndex))
        {
            long size = s.Type == ShtRela ? 24 : 16;
            for (long r = s.Offset; r + size <= s.Offset + s.Size; r += size)
                result.Add((int)(U64(r + 8) >> 32));
        }
        return result;
    }

    /// <summary>Sets the flags of a needed version entry (see <see cref="VerFlagWeak"/>).</summary>
    public void SetNeededVersionFlags(NeededVersion version, ushort flags) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan((int)version.FlagsOffset), flags);

    /// <summary>Makes a dynamic symbol unversioned (index 1, "global") and weak (an undefined weak symbol may stay unresolved).</summary>
    public void MakeUnversionedWeak(DynamicSymbol symbol)
    {
        var dynsym = _sections.First(s => s.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
        long e = dynsym.Offset + symbol.Index * 24L;
        _bytes[e + 4] = (byte)((2 << 4) | (_bytes[e + 4] & 0xf));
        if (versym.Type != 0)
            BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan((int)(versym.Offset + symbol.Index * 2L)), 1);
    }

    InvalidDataException Corrupt(string what) => new($"{_name} is not a library this setup can read: {what}.");

    ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(Span(at, 2));
    uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(Span(at, 4));
    ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(Span(at, 8));

    ReadOnlySpan<byte> Span(long at, int length)
    {
        if (at < 0 || at + length > _bytes.Length)
            throw Corrupt($"a structure at offset {at} runs past the end of the file ({_bytes.Length} bytes)");
        return _bytes.AsSpan((int)at, length);
    }

    string Str(Section strtab, uint offset)
    {
        long start = strtab.Offset + offset;
        if (offset >= strtab.Size) throw Corrupt($"a name offset {offset} lies outside its string table");
        int end = Array.IndexOf(_bytes, (byte)0, (int)start, (int)(strtab.Offset + strtab.Size - start));
        if (end < 0) throw Corrupt($"a name at offset {start} is not terminated");
        return Encoding.ASCII.GetString(_bytes, (int)start, end - (int)start);
    }
}
