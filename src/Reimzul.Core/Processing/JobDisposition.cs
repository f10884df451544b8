namespace Reimzul.Processing;

/// <summary>What a consumer does with a job once its handler returns.</summary>
public sealed record JobDisposition(JobDisposition.Kind Action, TimeSpan Delay, string? Reason)
{
    public enum Kind
    {
        /// <summary>Done: its work is stored and announced.</summary>
        Delete,

        /// <summary>Back to ready after <see cref="Delay"/>: it could not be done now, and must not be lost.</summary>
        Release,

        /// <summary>It can never be done (unparseable, invalid): set aside for an operator, never retried forever.</summary>
        Bury,
    }

    public static JobDisposition Delete { get; } = new(Kind.Delete, TimeSpan.Zero, null);

    public static JobDisposition Release(TimeSpan delay, string reason) => new(Kind.Release, delay, reason);

    public static JobDisposition Bury(string reason) => new(Kind.Bury, TimeSpan.Zero, reason);
}
