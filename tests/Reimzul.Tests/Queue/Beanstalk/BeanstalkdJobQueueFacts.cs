using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Queue.Beanstalk;

/// <summary>The whole queue contract against a real beanstalkd (binlog on); time passes for real.</summary>
public sealed class BeanstalkdJobQueueFacts(BeanstalkdServer server) : JobQueueContract, IClassFixture<BeanstalkdServer>
{
    private readonly BeanstalkdJobQueueFactory _factory = new(server.Options);

    protected override IJobQueueFactory Factory => _factory;

    protected override bool KeepsBuryReasons => false;

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);
}
