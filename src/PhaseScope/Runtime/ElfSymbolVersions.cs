using System.Buffers.Binary;
using System.Text;

namespace PhaseScope.Runtime;

/// <summary>
/// Reads the symbol-versioning tables of a 64-bit little-endian ELF shared object: the
/// version needs (<c>.gnu.version_r</c>), version definitions (<c>.gnu.version_d</c>) and the
/// version index of each dynamic symbol (<c>.gnu.version</c> with <c>.dynsym</c>).
/// This is all that is needed to decide whether a native library will load against the
/// system's libstdc++ and to patch one version need (docs/TORCHSHARP.md §1).
/// </summary>
internal sealed class ElfSymbolVersions
{
    const uint ShtDynsym = 11;
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;

    /// <summary><c>VER_FLG_WEAK</c>: a need the dynamic loader tolerates when it is missing.</summary>
    public const ushort VerFlagWeak = 0x2;

    /// <summary>One <c>Vernaux</c> entry: library <paramref name="File"/> must define <paramref name="Version"/>.</summary>
    /// <param name="File">The needed library's file name (e.g. <c>libstdc++.so.6</c>).</param>
    /// <param name="Version">The version name (e.g. <c>GLIBCXX_3.4.32</c>).</param>
    /// <param name="Flags"><c>vna_flags</c>.</param>
    /// <param name="Index"><c>vna_other</c>: the index that <c>.gnu.version</c> entries use for it.</param>
    /// <param name="FlagsFileOffset">Byte offset of <c>vna_flags</c> in the file, for patching.</param>
    public sealed record VersionNeed(string File, string Version, ushort Flags, ushort Index, long FlagsFileOffset)
    {
        /// <summary>True when the loader tolerates this version being absent.</summary>
        public bool IsWeak => (Flags & VerFlagWeak) != 0;
    }

    /// <summary>A dynamic symbol with its version index (high "hidden" bit removed).</summary>
    public sealed record DynamicSymbol(string Name, ushort VersionIndex, bool IsUndefined);

    public required string Path { get; init; }
    public required IReadOnlyList<VersionNeed> Needs { get; init; }
    public required IReadOnlyList<string> Definitions { get; init; }
    public required IReadOnlyList<DynamicSymbol> Symbols { get; init; }

    readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);

    /// <summary>Reads the file at <paramref name="path"/>; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static ElfSymbolVersions Read(string path) => Parse(path, File.ReadAllBytes(path));

    internal static ElfSymbolVersions Parse(string path, byte[] b)
    {
        var sections = SectionHeaders(path, b);
        var needs = new List<VersionNeed>();
        var defs = new List<string>();
        Section? versym = null;
        foreach (var s in sections)
        {
            if (s.Type == ShtGnuVerneed) ReadNeeds(b, sections, s, path, needs);
            else if (s.Type == ShtGnuVerdef) ReadDefinitions(b, sections, s, path, defs);
            else if (s.Type == ShtGnuVersym) versym = s;
        }
        var symbols = ReadSymbols(b, sections, versym, path);
        return new ElfSymbolVersions { Path = path, Needs = needs, Definitions = defs, Symbols = symbols };
    }

    /// <summary>The section header table, once the ELF identification says 64-bit little-endian.</summary>
    static Section[] SectionHeaders(string path, byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new InvalidDataException($"{path} is not an ELF file.");
        if (b[4] != 2 || b[5] != 1)
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file (class {b[4]}, data {b[5]}).");

        long shoff = (long)U64(b, 0x28, path);
        int shentsize = U16(b, 0x3A, path);
        int shnum = U16(b, 0x3C, path);
        if (shentsize < 64 || shnum == 0)
            throw new InvalidDataException($"{path} has no section headers; cannot read its symbol versions.");
        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long o = shoff + (long)i * shentsize;
            Check(b, o, 64, path);
            sections[i] = new Section(U32(b, o + 4, path), (long)U64(b, o + 24, path), (long)U64(b, o + 32, path),
                U32(b, o + 40, path), U32(b, o + 44, path));
        }
        return sections;
    }

    /// <summary>A <c>.gnu.version_r</c> section's <c>Verneed</c> chain (<c>sh_info</c> entries), each with its <c>Vernaux</c> chain.</summary>
    static void ReadNeeds(byte[] b, Section[] sections, Section s, string path, List<VersionNeed> needs)
    {
        var strtab = StringTable(sections, s.Link, path);
        long o = s.Offset;
        for (uint i = 0; i < s.Info; i++)
        {
            Check(b, o, 16, path);
            int cnt = U16(b, o + 2, path);
            string file = Str(b, strtab, U32(b, o + 4, path), path);
            long a = o + U32(b, o + 8, path);
            for (int j = 0; j < cnt; j++)
            {
                Check(b, a, 16, path);
                needs.Add(new VersionNeed(file, Str(b, strtab, U32(b, a + 8, path), path),
                    U16(b, a + 4, path), U16(b, a + 6, path), a + 4));
                uint nextAux = U32(b, a + 12, path);
                if (nextAux == 0) break;
                a += nextAux;
            }
            uint next = U32(b, o + 12, path);
            if (next == 0) break;
            o += next;
        }
    }

    /// <summary>A <c>.gnu.version_d</c> section's <c>Verdef</c> chain: each definition's first <c>Verdaux</c> name.</summary>
    static void ReadDefinitions(byte[] b, Section[] sections, Section s, string path, List<string> defs)
    {
        var strtab = StringTable(sections, s.Link, path);
        long o = s.Offset;
        for (uint i = 0; i < s.Info; i++)
        {
            Check(b, o, 20, path);
            long aux = o + U32(b, o + 12, path);
            Check(b, aux, 8, path);
            defs.Add(Str(b, strtab, U32(b, aux, path), path));
            uint next = U32(b, o + 16, path);
            if (next == 0) break;
            o += next;
        }
    }

    /// <summary>Each <c>.dynsym</c> entry with its <c>.gnu.version</c> index (none without both sections).</summary>
    static List<DynamicSymbol> ReadSymbols(byte[] b, Section[] sections, Section? versym, string path)
    {
        var symbols = new List<DynamicSymbol>();
        var dynsym = sections.FirstOrDefault(s => s.Type == ShtDynsym);
        if (dynsym.Type == ShtDynsym && versym is { } vs)
        {
            var strtab = StringTable(sections, dynsym.Link, path);
            long count = Math.Min(dynsym.Size / 24, vs.Size / 2);
            for (long i = 0; i < count; i++)
            {
                long o = dynsym.Offset + i * 24;
                Check(b, o, 24, path);
                ushort ver = (ushort)(U16(b, vs.Offset + 2 * i, path) & 0x7fff);
                symbols.Add(new DynamicSymbol(Str(b, strtab, U32(b, o, path), path), ver, U16(b, o + 6, path) == 0));
            }
        }
        return symbols;
    }

    static Section StringTable(Section[] sections, uint index, string path) =>
        index < sections.Length ? sections[index]
            : throw new InvalidDataException($"{path}: section link {index} points past the section table.");

    static string Str(byte[] b, Section strtab, uint offset, string path)
    {
        long start = strtab.Offset + offset;
        Check(b, start, 1, path);
        int end = Array.IndexOf(b, (byte)0, (int)start);
        if (end < 0) throw new InvalidDataException($"{path}: unterminated string at offset {start}.");
        return Encoding.ASCII.GetString(b, (int)start, end - (int)start);
    }

    static void Check(byte[] b, long offset, int length, string path)
    {
        if (offset < 0 || offset + length > b.Length)
            throw new InvalidDataException($"{path}: truncated ELF data (offset {offset} + {length} past end {b.Length}).");
    }

    static ushort U16(byte[] b, long o, string p) { Check(b, o, 2, p); return BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)o)); }
    static uint U32(byte[] b, long o, string p) { Check(b, o, 4, p); return BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)o)); }
    static ulong U64(byte[] b, long o, string p) { Check(b, o, 8, p); return BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan((int)o)); }
}
