namespace Reimzul.Queue;

/// <summary>A job handed to one session until it deletes, releases or buries it, or its TTR runs out.</summary>
public sealed record ReservedJob(long Id, string Tube, uint Priority, string Body);
