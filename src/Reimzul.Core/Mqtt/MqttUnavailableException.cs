namespace Reimzul.Mqtt;

/// <summary>A message could not be handed to the broker now (down, unreachable, or refusing this client); its message says which.</summary>
public sealed class MqttUnavailableException : Exception
{
    public MqttUnavailableException()
    {
    }

    public MqttUnavailableException(string message)
        : base(message)
    {
    }

    public MqttUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
