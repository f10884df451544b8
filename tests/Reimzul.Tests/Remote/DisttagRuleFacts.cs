using Reimzul.GitToSrpm;

namespace Reimzul.Tests.Remote;

public sealed class DisttagRuleFacts
{
    private const string P = DisttagRule.Placeholder;

    [Theory]
    [InlineData("foo-1.0-3" + P, "foo-1.0-3.el7_4", ".el7_4")]
    [InlineData("foo-1.0-3" + P + ".1", "foo-1.0-3.el7.centos.1", ".el7.centos")]
    [InlineData("foo-1.0-3", "foo-1.0-3", "")]
    [InlineData("foo-1.0-3" + P, "foo-1.0-3", "")]
    public void TheDisttagIsWhatTheImportedNvrHasWhereThePlaceholderStands(string specNvr, string imported, string disttag) =>
        Assert.Equal(disttag, DisttagRule.Detect(specNvr, imported));

    [Fact]
    public void AnImportOfAnotherVersionGivesNoDisttag() => Assert.Null(DisttagRule.Detect("foo-2.0-1" + P, "foo-1.0-3.el7_4"));

    [Fact]
    public void TheNewestImportCommitNamesTheNvrInItsSecondWordWithoutSrcRpm()
    {
        var subject = DisttagRule.ImportSubject(["Fix the build", "import foo-1.0-3.el7_4.src.rpm", "import foo-1.0-2.el7"]);

        Assert.Equal("import foo-1.0-3.el7_4.src.rpm", subject);
        Assert.Equal("foo-1.0-3.el7_4", DisttagRule.ImportedNvr(subject!));
        Assert.Null(DisttagRule.ImportSubject(["first", "second"]));
    }
}
