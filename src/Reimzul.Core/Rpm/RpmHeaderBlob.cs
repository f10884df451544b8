using System.Buffers.Binary;
using System.Text;

namespace Reimzul.Rpm;

/// <summary>
/// A header's index and data store as read from the file. Only the tags asked for are interpreted, and each
/// one is checked against the bounds of the data store before it is touched.
/// </summary>
internal sealed class RpmHeaderBlob
{
    public const uint TypeInt32 = 4;
    public const uint TypeString = 6;

    private const int EntrySize = 16;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] blob;
    private readonly int indexCount;
    private readonly long fileOffset;
    private readonly string what;

    /// <param name="blob">The index entries followed by the data store.</param>
    /// <param name="indexCount">Number of 16-byte index entries at the start of <paramref name="blob"/>.</param>
    /// <param name="fileOffset">Where the header (its magic) starts in the file (for messages).</param>
    /// <param name="what">"main header" or "signature header" (for messages).</param>
    public RpmHeaderBlob(byte[] blob, int indexCount, long fileOffset, string what)
    {
        this.blob = blob;
        this.indexCount = indexCount;
        this.fileOffset = fileOffset;
        this.what = what;
    }

    private int DataStart => indexCount * EntrySize;

    private int DataSize => blob.Length - DataStart;

    public bool Has(int tag) => Find(tag) is not null;

    /// <summary>The string value of a STRING tag, or null when the tag is absent.</summary>
    public string? GetString(int tag, string tagName)
    {
        if (Find(tag) is not { } entry)
        {
            return null;
        }
        var label = Label(tag, tagName);
        if (entry.Type != TypeString)
        {
            throw Error($"tag {label} has type {entry.Type}, expected {TypeString} (STRING)");
        }
        var start = CheckOffset(entry, label);
        var length = blob.AsSpan(start, DataStart + DataSize - start).IndexOf((byte)0);
        if (length < 0)
        {
            throw Error($"tag {label} string at data offset {entry.Offset} is not terminated within the {DataSize} bytes of header data");
        }
        try
        {
            return StrictUtf8.GetString(blob, start, length);
        }
        catch (DecoderFallbackException)
        {
            throw Error($"tag {label} is not valid UTF-8");
        }
    }

    /// <summary>The first value of an INT32 tag, or null when the tag is absent.</summary>
    public int? GetInt32(int tag, string tagName)
    {
        if (Find(tag) is not { } entry)
        {
            return null;
        }
        var label = Label(tag, tagName);
        if (entry.Type != TypeInt32)
        {
            throw Error($"tag {label} has type {entry.Type}, expected {TypeInt32} (INT32)");
        }
        if (entry.Count < 1)
        {
            throw Error($"tag {label} has no values");
        }
        var start = CheckOffset(entry, label);
        if (DataStart + DataSize - start < sizeof(int))
        {
            throw Error($"tag {label} value at data offset {entry.Offset} runs past the end of the {DataSize} bytes of header data");
        }
        return BinaryPrimitives.ReadInt32BigEndian(blob.AsSpan(start, sizeof(int)));
    }

    private Entry? Find(int wanted)
    {
        Entry? found = null;
        for (var i = 0; i < indexCount; i++)
        {
            var raw = blob.AsSpan(i * EntrySize, EntrySize);
            var tag = BinaryPrimitives.ReadInt32BigEndian(raw);
            if (tag != wanted)
            {
                continue;
            }
            // Two values for one tag would let a file show one name to us and another to rpm.
            if (found is not null)
            {
                throw Error($"tag {wanted} appears more than once in the index");
            }
            found = new Entry(
                BinaryPrimitives.ReadUInt32BigEndian(raw[4..]),
                BinaryPrimitives.ReadUInt32BigEndian(raw[8..]),
                BinaryPrimitives.ReadUInt32BigEndian(raw[12..]));
        }
        return found;
    }

    private int CheckOffset(Entry entry, string label)
    {
        if (entry.Offset >= (uint)DataSize)
        {
            throw Error($"tag {label} data offset {entry.Offset} is outside the {DataSize} bytes of header data");
        }
        return DataStart + (int)entry.Offset;
    }

    private RpmFormatException Error(string detail) => new($"{what} at offset {fileOffset}: {detail}");

    private static string Label(int tag, string tagName) => $"{tagName} ({tag})";

    private readonly record struct Entry(uint Type, uint Offset, uint Count);
}
