using System.Net;
using System.Text.Json;

namespace Reimzul.Tests.Web;

/// <summary>Every refusal, Kestrel's own included, says what and why in a JSON body, and names no server path.</summary>
[Collection(WebCollection.Name)]
public sealed class RefusalBodyTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private static string Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;

    private void AssertNamesNoServerPath(string body)
    {
        Assert.DoesNotContain(site.Paths.DataDir, body, StringComparison.Ordinal);
        Assert.DoesNotContain(AppContext.BaseDirectory.TrimEnd('/'), body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANulInThePathGetsA400SayingTheRequestCouldNotBeParsed()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);

        var (status, body) = await RawHttp.SendAsync(url, "GET", "/reimzul-incoming/a%00b.src.rpm");

        Assert.Equal(400, status);
        Assert.StartsWith("the request could not be parsed", Error(body), StringComparison.Ordinal);
        AssertNamesNoServerPath(body);
    }

    [Fact]
    public async Task ARawDotDotGetsA404SayingItCannotClimbOut()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);

        var (status, body) = await RawHttp.SendAsync(url, "GET", "/bstore/repo/../../../etc/passwd");

        Assert.Equal(404, status);
        Assert.Contains("nothing is served there: '..' in the request path is resolved before the path is looked up", Error(body), StringComparison.Ordinal);
        AssertNamesNoServerPath(body);
    }

    [Fact]
    public async Task AGetOnTheSubmitEndpointGetsA405NamingTheAllowedMethod()
    {
        var url = await site.StartControllerAsync(WebAuth.TokensOverHttp);

        var (status, body) = await RawHttp.SendAsync(url, "GET", "/reimzul/submit");

        Assert.Equal(405, status);
        Assert.Equal("GET is not allowed on /reimzul/submit; allowed: POST", Error(body));
    }

    [Fact]
    public async Task AnUnknownPathGetsA404SayingWhatIsServed()
    {
        var url = await site.StartControllerAsync(WebAuth.Certificates);
        using var http = site.RawClient(url);

        using var response = await http.GetAsync("/cgi-bin/test");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("nothing is served at this path; this service serves GET and PUT /reimzul-incoming/NAME.src.rpm, POST /reimzul/submit, POST /reimzul/submit-bulk and GET /reimzul/cancels/BUILD_ID", Error(body));
    }
}
