namespace Reimzul.Queue.Beanstalk;

/// <summary>A job reserved by a <see cref="BeanstalkClient"/>: its id and its body as the server holds it.</summary>
public sealed record BeanstalkJob(long Id, byte[] Body);
