namespace Reimzul.Queue.Embedded;

/// <summary>Stored job states (the values are on disk: never renumber).</summary>
internal enum JobState
{
    Ready = 0,
    Reserved = 1,
    Buried = 2,
    Delayed = 3,
}
