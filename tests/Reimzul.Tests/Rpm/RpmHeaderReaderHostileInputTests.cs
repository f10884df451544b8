using System.Text;
using Reimzul.Rpm;

namespace Reimzul.Tests.Rpm;

[Collection(RpmPackagesCollection.Name)]
public sealed class RpmHeaderReaderHostileInputTests(RpmPackagesFixture packages)
{
    private const int TagName = 1000;
    private const int TagSourceRpm = 1044;

    [Fact]
    public void ATextFileIsNotAnRpm()
    {
        var path = packages.WriteFile("notes.src.rpm", Encoding.UTF8.GetBytes("Name: foo\nVersion: 1.0\nthis is a spec file, not a package\n" + new string('x', 200)));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(path));

        Assert.Equal($"{path}: not an RPM file (bad lead magic)", ex.Message);
    }

    [Fact]
    public void AShortTextFileIsNotAnRpmRatherThanTruncated()
    {
        var path = packages.WriteFile("short.src.rpm", "hi"u8);

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(path));

        Assert.EndsWith("not an RPM file (bad lead magic)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyFileIsNotAnRpm()
    {
        var path = packages.WriteFile("empty.src.rpm", []);

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(path));

        Assert.Equal($"{path}: not an RPM file (empty)", ex.Message);
    }

    public enum Cut
    {
        InLead,
        BeforeSignature,
        InSignatureIntro,
        InSignatureIndex,
        InSignatureData,
        BeforeMainHeader,
        InMainHeaderIntro,
        InMainHeaderIndex,
        InMainHeaderData,
        OneByteBeforeMainHeaderEnd,
    }

    [Theory]
    [InlineData(Cut.InLead, "lead at offset 0")]
    [InlineData(Cut.BeforeSignature, "signature header at offset 96")]
    [InlineData(Cut.InSignatureIntro, "signature header at offset 96")]
    [InlineData(Cut.InSignatureIndex, "signature header index and data at offset 112")]
    [InlineData(Cut.InSignatureData, "signature header index and data at offset 112")]
    [InlineData(Cut.BeforeMainHeader, "main header at offset {main}")]
    [InlineData(Cut.InMainHeaderIntro, "main header at offset {main}")]
    [InlineData(Cut.InMainHeaderIndex, "main header index and data at offset {main+16}")]
    [InlineData(Cut.InMainHeaderData, "main header index and data at offset {main+16}")]
    [InlineData(Cut.OneByteBeforeMainHeaderEnd, "main header index and data at offset {main+16}")]
    public void ATruncatedRpmSaysWhatIsMissingAndWhere(Cut cut, string where)
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.CProgramSrpm));
        var length = cut switch
        {
            Cut.InLead => 50,
            Cut.BeforeSignature => 96,
            Cut.InSignatureIntro => 100,
            Cut.InSignatureIndex => 112 + 20,
            Cut.InSignatureData => 112 + layout.SignatureCount * 16 + 10,
            Cut.BeforeMainHeader => layout.MainStart,
            Cut.InMainHeaderIntro => layout.MainStart + 8,
            Cut.InMainHeaderIndex => layout.MainStart + 16 + 40,
            Cut.InMainHeaderData => layout.MainDataStart + 100,
            Cut.OneByteBeforeMainHeaderEnd => layout.MainEnd - 1,
            _ => throw new ArgumentOutOfRangeException(nameof(cut)),
        };
        var expectedWhere = where
            .Replace("{main+16}", (layout.MainStart + 16).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{main}", layout.MainStart.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var path = packages.WriteFile("cut.src.rpm", layout.Bytes.AsSpan(0, length));

        var fromFile = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(path));
        using var pipe = new OneWayStream(layout.Bytes[..length]);
        var fromPipe = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(pipe));

        Assert.StartsWith($"{path}: truncated: expected ", fromFile.Message, StringComparison.Ordinal);
        Assert.Contains($" bytes of {expectedWhere}", fromFile.Message, StringComparison.Ordinal);
        Assert.Equal(fromFile.Message, $"{path}: {fromPipe.Message}");
    }

    [Fact]
    public void ATruncatedMainHeaderSaysHowManyBytesWereExpectedAndFound()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        var path = packages.WriteFile("cut.src.rpm", layout.Bytes.AsSpan(0, layout.MainDataStart + 10));
        var expected = layout.MainCount * 16 + layout.MainDataSize;
        var found = layout.MainCount * 16 + 10;

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(path));

        Assert.Equal($"{path}: truncated: expected {expected} bytes of main header index and data at offset {layout.MainStart + 16}, found {found}", ex.Message);
    }

    [Fact]
    public void AHugeMainHeaderIndexCountIsRefusedBeforeAnythingIsAllocated()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        var path = packages.WriteFile("count.src.rpm", layout.With(layout.MainStart + 8, 9999999));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(path));

        Assert.Equal($"{path}: main header at offset {layout.MainStart}: header index count 9999999 exceeds limit 65535", ex.Message);
    }

    [Fact]
    public void AHugeSignatureIndexCountIsRefused()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        using var stream = new MemoryStream(layout.With(RpmLayout.SignatureStart + 8, 0xFFFFFFFF));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal("signature header at offset 96: header index count 4294967295 exceeds limit 65535", ex.Message);
    }

    [Fact]
    public void AHugeMainHeaderDataSizeIsRefused()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        using var stream = new MemoryStream(layout.With(layout.MainStart + 12, 0xFFFFFFF0));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: header data size 4294967280 exceeds limit 67108864", ex.Message);
    }

    [Fact]
    public void ADataSizeWithinTheLimitButBeyondTheFileIsTruncatedEvenFromAPipe()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        using var pipe = new OneWayStream(layout.With(layout.MainStart + 12, 60 * 1024 * 1024));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(pipe));

        Assert.StartsWith($"truncated: expected {layout.MainCount * 16 + 60 * 1024 * 1024} bytes of main header index and data", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadMainHeaderMagicIsReported()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        using var stream = new MemoryStream(layout.With(layout.MainStart, 0xDEADBEEF));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: bad header magic DEADBEEF (expected 8EADE801)", ex.Message);
    }

    [Fact]
    public void ANameOffsetOutsideTheHeaderDataIsReported()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        var entry = layout.MainIndexEntry(TagName);
        using var stream = new MemoryStream(layout.With(entry + 8, 0x7FFFFFF0));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: tag NAME (1000) data offset 2147483632 is outside the {layout.MainDataSize} bytes of header data", ex.Message);
    }

    [Fact]
    public void ANameWithTheWrongTypeIsReported()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        var entry = layout.MainIndexEntry(TagName);
        using var stream = new MemoryStream(layout.With(entry + 4, 4));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: tag NAME (1000) has type 4, expected 6 (STRING)", ex.Message);
    }

    [Fact]
    public void AMissingNameIsReported()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        var entry = layout.MainIndexEntry(TagName);
        using var stream = new MemoryStream(layout.With(entry, 999999));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: no NAME (1000) tag", ex.Message);
    }

    [Fact]
    public void ABinaryRpmWhoseLeadClaimsSourceIsRefusedNotBelieved()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.CProgramBinary));
        var path = packages.WriteFile("liar.src.rpm", layout.WithUInt16(6, 1));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.ReadSource(path));

        Assert.Equal($"{path}: conflicting source markers: lead type 1 (source) but main header has SOURCERPM (1044) (binary)", ex.Message);
    }

    [Fact]
    public void ASourceRpmWhoseLeadClaimsBinaryIsRefused()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        using var stream = new MemoryStream(layout.WithUInt16(6, 0));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal("conflicting source markers: lead type 0 (binary) but main header has no SOURCERPM (1044) (source)", ex.Message);
    }

    [Fact]
    public void ABinaryRpmWithASourcePackageTagIsRefused()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.CProgramBinary));
        // Rename some other tag to SOURCEPACKAGE: the header now says both "binary" and "source".
        var entry = layout.MainIndexEntry(1004);
        using var stream = new MemoryStream(layout.With(entry, 1106));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: conflicting source markers: both SOURCERPM (1044) and SOURCEPACKAGE (1106) present", ex.Message);
    }

    [Fact]
    public void ADuplicatedTagIsRefused()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.CProgramBinary));
        var entry = layout.MainIndexEntry(TagSourceRpm);
        using var stream = new MemoryStream(layout.With(entry, TagName));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal($"main header at offset {layout.MainStart}: tag 1000 appears more than once in the index", ex.Message);
    }

    [Fact]
    public void AnUnknownLeadTypeIsReported()
    {
        var layout = new RpmLayout(File.ReadAllBytes(packages.NoarchSrpm));
        using var stream = new MemoryStream(layout.WithUInt16(6, 7));

        var ex = Assert.Throws<RpmFormatException>(() => RpmHeaderReader.Read(stream));

        Assert.Equal("lead at offset 6: unknown package type 7 (expected 0 binary or 1 source)", ex.Message);
    }

    [Fact]
    public void AMissingFileIsAnIoError()
    {
        Assert.Throws<FileNotFoundException>(() => RpmHeaderReader.Read(Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.src.rpm")));
    }
}
