namespace Reimzul.Submit;

/// <summary>What was queued for a <see cref="SubmitOrder"/>.</summary>
/// <param name="Srpm">The SRPM's name in the incoming dir.</param>
/// <param name="Target">Target and arch, as in the job: <c>c7.1708.u.x86_64</c>.</param>
public sealed record SubmitReceipt(long JobId, string BuildId, string Tube, uint Priority, string Srpm, string Target, bool Scratch, string Submitter)
{
    /// <summary>A repeated submit of a build id: the job was queued by the first one, nothing was queued now.</summary>
    public bool Repeated { get; init; }
}
