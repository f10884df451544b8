using System.Buffers.Binary;

namespace Reimzul.Tests.Rpm;

/// <summary>Where things are in a well-formed RPM, worked out from the format so tests can cut and corrupt precisely.</summary>
public sealed class RpmLayout
{
    public const int LeadSize = 96;
    public const int SignatureStart = LeadSize;

    public RpmLayout(byte[] bytes)
    {
        Bytes = bytes;
        SignatureCount = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(SignatureStart + 8));
        var signatureData = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(SignatureStart + 12));
        var signatureEnd = SignatureStart + 16 + SignatureCount * 16 + signatureData;
        MainStart = (signatureEnd + 7) / 8 * 8;
        MainCount = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(MainStart + 8));
        MainDataSize = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(MainStart + 12));
        MainDataStart = MainStart + 16 + MainCount * 16;
        MainEnd = MainDataStart + MainDataSize;
    }

    public byte[] Bytes { get; }
    public int SignatureCount { get; }
    public int MainStart { get; }
    public int MainCount { get; }
    public int MainDataSize { get; }
    public int MainDataStart { get; }
    public int MainEnd { get; }

    /// <summary>File offset of the main header's index entry for <paramref name="tag"/>.</summary>
    public int MainIndexEntry(int tag)
    {
        for (var i = 0; i < MainCount; i++)
        {
            var at = MainStart + 16 + i * 16;
            if (BinaryPrimitives.ReadInt32BigEndian(Bytes.AsSpan(at)) == tag)
            {
                return at;
            }
        }
        throw new InvalidOperationException($"tag {tag} not in the main header");
    }

    public byte[] With(int offset, uint value)
    {
        var copy = (byte[])Bytes.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(offset), value);
        return copy;
    }

    public byte[] WithUInt16(int offset, ushort value)
    {
        var copy = (byte[])Bytes.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(offset), value);
        return copy;
    }
}
