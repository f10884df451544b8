namespace Reimzul.Rpm;

/// <summary>The input is not an RPM we can read, or not the kind of RPM asked for; the message says what is wrong and where.</summary>
public sealed class RpmFormatException : Exception
{
    public RpmFormatException()
    {
    }

    public RpmFormatException(string message)
        : base(message)
    {
    }

    public RpmFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
