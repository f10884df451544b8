using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Repogen;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Repogen;

/// <summary>The repogen role on the real embedded queue: which requests it takes, and which it buries.</summary>
public sealed class RepogenServiceUnbuiltTargetFacts : IDisposable
{
    private const string Built = "c7.built.x86_64";
    private const string NeverBuilt = "c7.never.x86_64";
    private readonly StoreLayout layout = new();

    [Fact]
    public async Task ARequestForATargetThatWasNeverBuiltIsBuriedWithTheReasonAndNoRepoIsCreated()
    {
        var queues = new EmbeddedJobQueueFactory(Path.Combine(layout.Root, "queue.db"));
        var options = new RepogenOptions { Workers = 1 };
        var regenerator = new RepoRegenerator(layout.Paths, options, ProcessRunner.Default, NullLogger.Instance);
        var service = new RepogenService(queues, regenerator, options, NullLogger<RepogenService>.Instance, TimeProvider.System);
        // A stored build is what makes a target's directory.
        Directory.CreateDirectory(Path.Combine(layout.RepoDir(Built), "hello", "20261201101500", "1.0-1.el7.noarch"));
        await using (var producer = await queues.OpenProducerAsync())
        {
            foreach (var target in new[] { NeverBuilt, Built })
            {
                await producer.PutAsync(Tubes.Createrepo, MessageJson.Serialize(new CreaterepoRequest { Target = target }), Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2));
            }
        }

        await service.StartAsync(CancellationToken.None);
        IReadOnlyList<BuriedJob> buried = [];
        try
        {
            await using var admin = await queues.OpenAdminAsync();
            await Eventually.WaitAsync(
                async () => (buried = await admin.BuriedAsync(Tubes.Createrepo, 10)).Count == 1
                    && regenerator.GetState(Built).Completed == 1,
                TimeSpan.FromSeconds(30),
                () => $"buried {buried.Count} on createrepo; {regenerator.GetState(Built)}");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        var job = Assert.Single(buried);
        Assert.Contains($"\"target\":\"{NeverBuilt}\"", job.Body, StringComparison.Ordinal);
        Assert.Equal($"target {NeverBuilt} has no builds: {layout.RepoDir(NeverBuilt)} does not exist; not creating an empty repo", job.Reason);
        Assert.False(Directory.Exists(layout.RepoDir(NeverBuilt)));
        Assert.Equal(0, regenerator.GetState(NeverBuilt).Requested);
        Assert.True(File.Exists(Path.Combine(layout.RepoDir(Built), "repodata", "repomd.xml")));
    }

    public void Dispose() => layout.Dispose();
}
