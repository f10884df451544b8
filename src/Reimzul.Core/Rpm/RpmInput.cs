namespace Reimzul.Rpm;

/// <summary>
/// Sequential reads from an untrusted stream that know their file offset, so every error can say where,
/// and never allocate more than the input actually holds.
/// </summary>
internal sealed class RpmInput(Stream stream)
{
    // Non-seekable input grows its buffer as bytes arrive instead of trusting a size from the file.
    private const int GrowthChunk = 1 << 20;

    public long Offset { get; private set; }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; fewer only at the end of the input.</summary>
    public int ReadAtMost(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer[total..]);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        Offset += total;
        return total;
    }

    public void ReadExactly(Span<byte> buffer, string what)
    {
        var start = Offset;
        var read = ReadAtMost(buffer);
        if (read < buffer.Length)
        {
            throw Truncated(buffer.Length, what, start, read);
        }
    }

    public byte[] ReadBlock(int count, string what)
    {
        var start = Offset;
        EnsureAvailable(count, what);
        if (stream.CanSeek)
        {
            var exact = new byte[count];
            ReadExactly(exact, what);
            return exact;
        }

        var buffer = new byte[Math.Min(count, GrowthChunk)];
        var filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(count, (long)buffer.Length * 2));
            }
            var read = ReadAtMost(buffer.AsSpan(filled, Math.Min(buffer.Length - filled, GrowthChunk)));
            if (read == 0)
            {
                throw Truncated(count, what, start, filled);
            }
            filled += read;
        }
        return buffer;
    }

    public void Skip(long count, string what)
    {
        var start = Offset;
        EnsureAvailable(count, what);
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            Offset += count;
            return;
        }

        Span<byte> scratch = stackalloc byte[4096];
        var remaining = count;
        while (remaining > 0)
        {
            var read = ReadAtMost(scratch[..(int)Math.Min(remaining, scratch.Length)]);
            if (read == 0)
            {
                throw Truncated(count, what, start, count - remaining);
            }
            remaining -= read;
        }
    }

    private void EnsureAvailable(long count, string what)
    {
        if (stream.CanSeek)
        {
            var available = Math.Max(0, stream.Length - stream.Position);
            if (available < count)
            {
                throw Truncated(count, what, Offset, available);
            }
        }
    }

    private static RpmFormatException Truncated(long expected, string what, long offset, long found) =>
        new($"truncated: expected {expected} bytes of {what} at offset {offset}, found {found}");
}
