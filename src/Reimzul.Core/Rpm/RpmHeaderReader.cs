using System.Buffers.Binary;

namespace Reimzul.Rpm;

/// <summary>
/// Reads name, version, release, epoch, arch, source-ness and a binary's SOURCERPM from an RPM file without rpm: the lead, the
/// signature header (skipped) and the main header, never the payload. Every size taken from the file is
/// bounded before it is used, so a hostile file cannot make us allocate or read much.
/// </summary>
public static class RpmHeaderReader
{
    internal const int LeadSize = 96;
    internal const int HeaderIntroSize = 16;

    /// <summary>Index entries per header; rpm itself refuses more than this.</summary>
    internal const uint MaxIndexCount = 0xFFFF;

    /// <summary>Data store bytes per header; real headers of packages with many thousand files stay far below.</summary>
    internal const uint MaxDataSize = 64 * 1024 * 1024;

    private const int TagName = 1000;
    private const int TagVersion = 1001;
    private const int TagRelease = 1002;
    private const int TagEpoch = 1003;
    private const int TagArch = 1022;
    private const int TagSourceRpm = 1044;
    private const int TagSourcePackage = 1106;

    private const ushort LeadTypeBinary = 0;
    private const ushort LeadTypeSource = 1;
    private const ushort SignatureTypeHeader = 5;

    private static ReadOnlySpan<byte> LeadMagic => [0xED, 0xAB, 0xEE, 0xDB];
    private static ReadOnlySpan<byte> HeaderMagic => [0x8E, 0xAD, 0xE8, 0x01];

    /// <summary>Reads the package at <paramref name="path"/>.</summary>
    /// <exception cref="RpmFormatException">Not a readable RPM; the message starts with the path.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static RpmPackageInfo Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        try
        {
            return Read(stream);
        }
        catch (RpmFormatException ex)
        {
            throw new RpmFormatException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a source RPM; a binary RPM is refused.</summary>
    /// <exception cref="RpmFormatException">Not a readable RPM, or not a source RPM.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static RpmPackageInfo ReadSource(string path)
    {
        var info = Read(path);
        if (!info.IsSource)
        {
            throw new RpmFormatException($"{path} is a binary RPM (arch {info.Arch}), not a source RPM");
        }
        return info;
    }

    /// <summary>Reads the package from the current position of <paramref name="stream"/> (seekable or not); offsets in messages count from there.</summary>
    /// <exception cref="RpmFormatException">Not a readable RPM.</exception>
    public static RpmPackageInfo Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var input = new RpmInput(stream);
        var leadType = ReadLead(input);

        var (signatureCount, signatureData) = ReadHeaderIntro(input, "signature header");
        var signatureLength = (long)signatureCount * 16 + signatureData;
        // The signature header is padded so the main header starts on an 8-byte boundary.
        var padding = (8 - (signatureLength % 8)) % 8;
        input.Skip(signatureLength + padding, "signature header index and data");

        var mainStart = input.Offset;
        var (mainCount, mainData) = ReadHeaderIntro(input, "main header");
        var blob = input.ReadBlock((int)(mainCount * 16 + mainData), "main header index and data");
        var header = new RpmHeaderBlob(blob, (int)mainCount, mainStart, "main header");

        var epoch = header.GetInt32(TagEpoch, "EPOCH");
        if (epoch < 0)
        {
            throw new RpmFormatException($"main header at offset {mainStart}: EPOCH {epoch} is negative");
        }
        return new RpmPackageInfo(
            Name: Required(header, TagName, "NAME", mainStart),
            Version: Required(header, TagVersion, "VERSION", mainStart),
            Release: Required(header, TagRelease, "RELEASE", mainStart),
            Epoch: epoch,
            Arch: Required(header, TagArch, "ARCH", mainStart),
            IsSource: IsSource(leadType, header, mainStart),
            SourceRpm: header.GetString(TagSourceRpm, "SOURCERPM"));
    }

    private static ushort ReadLead(RpmInput input)
    {
        Span<byte> lead = stackalloc byte[LeadSize];
        var read = input.ReadAtMost(lead);
        if (read == 0)
        {
            throw new RpmFormatException("not an RPM file (empty)");
        }
        // Judge the magic on whatever arrived, so a short text file is "not an RPM" rather than "truncated".
        var magicLength = Math.Min(read, LeadMagic.Length);
        if (!lead[..magicLength].SequenceEqual(LeadMagic[..magicLength]) || read < LeadMagic.Length)
        {
            throw new RpmFormatException("not an RPM file (bad lead magic)");
        }
        if (read < LeadSize)
        {
            throw new RpmFormatException($"truncated: expected {LeadSize} bytes of lead at offset 0, found {read}");
        }

        var major = lead[4];
        if (major is < 3 or > 4)
        {
            throw new RpmFormatException($"lead at offset 0: unsupported RPM format version {major} (expected 3 or 4)");
        }
        var type = BinaryPrimitives.ReadUInt16BigEndian(lead[6..]);
        if (type is not (LeadTypeBinary or LeadTypeSource))
        {
            throw new RpmFormatException($"lead at offset 6: unknown package type {type} (expected 0 binary or 1 source)");
        }
        var signatureType = BinaryPrimitives.ReadUInt16BigEndian(lead[78..]);
        if (signatureType != SignatureTypeHeader)
        {
            throw new RpmFormatException($"lead at offset 78: unsupported signature type {signatureType} (expected {SignatureTypeHeader})");
        }
        return type;
    }

    private static (uint Count, uint DataSize) ReadHeaderIntro(RpmInput input, string what)
    {
        var start = input.Offset;
        Span<byte> intro = stackalloc byte[HeaderIntroSize];
        input.ReadExactly(intro, what);
        if (!intro[..4].SequenceEqual(HeaderMagic))
        {
            throw new RpmFormatException($"{what} at offset {start}: bad header magic {Convert.ToHexString(intro[..4])} (expected 8EADE801)");
        }
        var count = BinaryPrimitives.ReadUInt32BigEndian(intro[8..]);
        if (count > MaxIndexCount)
        {
            throw new RpmFormatException($"{what} at offset {start}: header index count {count} exceeds limit {MaxIndexCount}");
        }
        var dataSize = BinaryPrimitives.ReadUInt32BigEndian(intro[12..]);
        if (dataSize > MaxDataSize)
        {
            throw new RpmFormatException($"{what} at offset {start}: header data size {dataSize} exceeds limit {MaxDataSize}");
        }
        return (count, dataSize);
    }

    private static string Required(RpmHeaderBlob header, int tag, string tagName, long offset)
    {
        var value = header.GetString(tag, tagName)
            ?? throw new RpmFormatException($"main header at offset {offset}: no {tagName} ({tag}) tag");
        if (value.Length == 0)
        {
            throw new RpmFormatException($"main header at offset {offset}: {tagName} ({tag}) is empty");
        }
        return value;
    }

    // rpm's own test is "no SOURCERPM tag"; the lead type and SOURCEPACKAGE are written from the same
    // decision, so a file where they disagree was not written by rpm and is refused rather than guessed at.
    private static bool IsSource(ushort leadType, RpmHeaderBlob header, long offset)
    {
        var hasSourceRpm = header.Has(TagSourceRpm);
        var hasSourcePackage = header.Has(TagSourcePackage);
        if (hasSourceRpm && hasSourcePackage)
        {
            throw new RpmFormatException($"main header at offset {offset}: conflicting source markers: both SOURCERPM (1044) and SOURCEPACKAGE (1106) present");
        }
        var source = !hasSourceRpm;
        var leadSays = leadType == LeadTypeSource;
        if (source != leadSays)
        {
            throw new RpmFormatException(
                $"conflicting source markers: lead type {leadType} ({(leadSays ? "source" : "binary")}) but main header " +
                (hasSourceRpm ? "has SOURCERPM (1044) (binary)" : "has no SOURCERPM (1044) (source)"));
        }
        return source;
    }
}
