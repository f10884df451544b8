namespace Reimzul.Queue;

/// <summary>The per-tube figures of beanstalkd's <c>stats-tube</c> that operators read.</summary>
public sealed record TubeStats(string Tube, long Ready, long Reserved, long Buried, long Delayed, long Watching, long TotalJobs);
