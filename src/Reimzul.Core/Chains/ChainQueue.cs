using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Chains;

/// <summary>Puts a chain on the <c>chain</c> tube, where the chain role (in <c>reimzul up</c>, or <c>reimzul chain-worker</c>) takes it.</summary>
public static class ChainQueue
{
    private static readonly TimeSpan Ttr = TimeSpan.FromMinutes(5);

    /// <summary>A chain of <paramref name="groups"/> (SRPM names in incoming, or null for a build queued before), each build given its id now.</summary>
    public static ChainJob Plan(IReadOnlyList<IReadOnlyList<(string? Srpm, string? BuildId)>> groups, string arch, string target, string disttag, bool scratch, bool background, string submitter) => new()
    {
        ChainId = BuildIds.New(),
        Arch = arch,
        Target = target,
        Disttag = disttag,
        Scratch = scratch,
        Background = background,
        Submitter = submitter,
        Groups = [.. groups.Select(g => (IReadOnlyList<ChainBuild>)[.. g.Select(b => new ChainBuild { Srpm = b.Srpm, BuildId = b.BuildId ?? BuildIds.New() })])],
    };

    public static async Task<long> PutAsync(IJobQueueFactory queues, ChainJob chain, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(chain);
        await using var queue = await queues.OpenProducerAsync(ct);
        return await queue.PutAsync(ChainJob.Tube, chain.ToJson(), Tubes.PriorityNormal, TimeSpan.Zero, Ttr, ct);
    }
}
