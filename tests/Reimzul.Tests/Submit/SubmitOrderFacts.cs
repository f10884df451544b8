using Reimzul.Submit;

namespace Reimzul.Tests.Submit;

/// <summary>The one rule for "is this a local file": it contains a '/' or something of that name is here.</summary>
public sealed class SubmitOrderFacts
{
    private static SubmitOrder Order(string srpm) => new(srpm, "x86_64", "c7", ".el7", Scratch: false, Now: false);

    [Theory]
    [InlineData("./nothere-1.0-1.src.rpm")]
    [InlineData("../nothere-1.0-1.src.rpm")]
    [InlineData("/nowhere/nothere-1.0-1.src.rpm")]
    [InlineData("dir/nothere-1.0-1.src.rpm")]
    public void APathWithASlashIsALocalFileEvenWhenNoneIsThere(string srpm) =>
        Assert.True(Order(srpm).SrpmIsLocalFile());

    [Fact]
    public void ABareNameOfNoFileHereIsANameInIncoming() =>
        Assert.False(Order($"nothere-{Guid.NewGuid():N}-1.0-1.src.rpm").SrpmIsLocalFile());

    [Fact]
    public void ABareNameOfAFileInTheCurrentDirIsALocalFile()
    {
        var name = $"here-{Guid.NewGuid():N}-1.0-1.src.rpm";
        File.WriteAllText(name, "");
        try
        {
            Assert.True(Order(name).SrpmIsLocalFile());
        }
        finally
        {
            File.Delete(name);
        }
    }

    [Fact]
    public void ABareNameOfADirectoryHereIsALocalFileSoItIsRefusedAsWhatItIs()
    {
        var name = $"dir-{Guid.NewGuid():N}-1.0-1.src.rpm";
        Directory.CreateDirectory(name);
        try
        {
            Assert.True(Order(name).SrpmIsLocalFile());
        }
        finally
        {
            Directory.Delete(name);
        }
    }

    [Fact]
    public void ABareNameOfADanglingSymlinkHereIsALocalFile()
    {
        var name = $"gone-{Guid.NewGuid():N}-1.0-1.src.rpm";
        File.CreateSymbolicLink(name, "/nonexistent/" + name);
        try
        {
            Assert.True(Order(name).SrpmIsLocalFile());
        }
        finally
        {
            File.Delete(name);
        }
    }
}
