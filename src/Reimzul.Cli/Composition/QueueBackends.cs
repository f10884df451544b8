using Reimzul.Config;
using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Queue.Embedded;

namespace Reimzul.Cli;

/// <summary>The queue backend named by <c>[queue] backend</c>, with its options taken from the configuration.</summary>
public static class QueueBackends
{
    public static IJobQueueFactory Create(ReimzulConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Queue.Backend switch
        {
            "embedded" => new EmbeddedJobQueueFactory(config.Paths.QueueDatabase),
            "beanstalkd" => new BeanstalkdJobQueueFactory(BeanstalkdOptions(config.Queue)),
            var other => throw new CliException($"queue backend '{other}' is not available (configure [queue] backend = embedded or beanstalkd)", ExitCodes.Config),
        };
    }

    /// <summary>The options of the <c>[queue]</c> section, as the beanstalkd backend takes them.</summary>
    public static BeanstalkdOptions BeanstalkdOptions(QueueOptions queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return new BeanstalkdOptions
        {
            Host = queue.Host,
            Port = queue.Port,
            Tls = queue.Tls,
            CaFile = queue.CaCert,
            ClientCertificateFile = queue.TlsCert,
            ClientKeyFile = queue.TlsKey,
            ServerName = queue.TlsServerName,
        };
    }
}
