namespace Reimzul.Queue;

/// <summary>One job of <see cref="IJobProducer.PutManyAsync"/>: the arguments of a put.</summary>
public sealed record JobToPut(string Tube, string Body, uint Priority, TimeSpan Delay, TimeSpan Ttr);
