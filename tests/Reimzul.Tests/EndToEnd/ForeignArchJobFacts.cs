using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd;

/// <summary>A build job put on a tube its arch does not route to is buried, not cross-built and published.</summary>
public sealed class ForeignArchJobFacts : IDisposable
{
    private const string PpcJob = """{"srpm": "hello-1.0-1.src.rpm", "arch": "ppc64", "target": "c7.ppc64", "disttag": ".el7", "scratch": false, "submitter": "jdoe"}""";
    private const string Reason = "arch 'ppc64' does not belong on tube 'x86_64': it is built from tube ppc64";
    private readonly Installation _install = new();

    [Fact]
    public async Task APpc64JobOnTheX86TubeIsBuriedWithTheReasonAndNothingIsBuiltOrPublished()
    {
        await using (var up = await _install.StartUpAsync(workers: 1))
        {
            var queue = new Reimzul.Queue.Embedded.EmbeddedJobQueueFactory(Path.Combine(_install.DataDir, "queue.db"));
            await using (var producer = await queue.OpenProducerAsync())
            {
                await producer.PutAsync("x86_64", PpcJob, 8192, TimeSpan.Zero, TimeSpan.FromSeconds(60));
            }
            await up.WaitForLineAsync("buried: " + Reason);
            await up.InterruptAsync();
        }

        var buried = await _install.RunAsync("buried", "x86_64");

        Assert.True(buried.Succeeded, buried.StandardError);
        Assert.Contains("x86_64: 1 buried", buried.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("  reason: " + Reason + "\n", buried.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_install.Repo("c7.ppc64")));
        Assert.DoesNotContain(_install.Log(), l => l.Srpm == "hello-1.0-1.src.rpm");
    }

    public void Dispose() => _install.Dispose();
}
