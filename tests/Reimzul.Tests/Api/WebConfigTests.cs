using Reimzul.Config;
using Reimzul.Tests.Config;

namespace Reimzul.Tests.Api;

/// <summary>The <c>[web]</c> section as an operator writes it.</summary>
public sealed class WebConfigTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void WithoutASectionTheWebRoleListensOnPort11082()
    {
        var web = files.Load().Web;

        Assert.True(web.Enabled);
        Assert.Equal(11082, web.Http.Port);
        Assert.Equal("http://localhost:11082/", web.Http.Url);
        Assert.Null(web.ReadTokens);
        Assert.Equal(TimeSpan.FromDays(1), web.BuildersSeenWithin);
    }

    [Fact]
    public void PortZeroReadTokensNextToTheFileAndTheOtherKeysAreRead()
    {
        files.Write("readers.tokens", "reader-token-0123456789 dashboard\n");
        var path = files.Write("web.ini", "[web]\nenabled = no\nlisten = 127.0.0.1\nport = 0\nread_tokens = readers.tokens\nbuilders_seen_within = 2h\n");

        var web = files.Load(path).Web;

        Assert.False(web.Enabled);
        Assert.Equal(("127.0.0.1", 0), (web.Http.Listen, web.Http.Port));
        Assert.Equal(Path.Combine(files.Dir, "readers.tokens"), web.ReadTokens);
        Assert.Equal(TimeSpan.FromHours(2), web.BuildersSeenWithin);
    }

    [Theory]
    [InlineData("port = 70000", "[web] port")]
    [InlineData("port = -1", "[web] port")]
    [InlineData("listen = everywhere", "[web] listen")]
    public void ABadValueIsRefusedNamingTheKey(string line, string named)
    {
        var error = files.Error($"[web]\n{line}\n", out _);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
