namespace Reimzul.Queue;

/// <summary>A buried job as an operator sees it.</summary>
/// <param name="Reason">Why it was buried, when the backend keeps it (the embedded queue does, beanstalkd does not).</param>
/// <param name="BuriedAt">When it was buried, when the backend says.</param>
public sealed record BuriedJob(long Id, string Tube, uint Priority, string Body, int Deliveries, string? Reason, DateTimeOffset? BuriedAt);
