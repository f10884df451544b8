using System.Text.Json.Serialization;

namespace Reimzul.Notify;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(MqttBuildResult))]
internal sealed partial class NotifyJsonContext : JsonSerializerContext;
