namespace Reimzul.Submit;

/// <summary>
/// A submit refused because its build id was used before and this submit cannot be answered with that one's job: the
/// id was used for a different build, or the first submit was interrupted and whether it was queued is unknown.
/// </summary>
public sealed class SubmitConflictException : Exception
{
    public SubmitConflictException()
    {
    }

    public SubmitConflictException(string message)
        : base(message)
    {
    }

    public SubmitConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
