using Microsoft.Data.Sqlite;

namespace Reimzul.Queue.Embedded;

/// <summary>
/// Brings the stored states up to date with the clock and with which sessions still exist: reservations
/// past their TTR and those of dead processes return to ready, due delayed jobs become ready, dead
/// sessions stop counting as watchers. Runs inside the caller's write transaction.
/// </summary>
internal static class ReservationSweep
{
    /// <summary>Returns how many reserved jobs went back to ready (other waiters may want them).</summary>
    public static int Run(SqliteConnection connection, SqliteTransaction transaction, long nowMs, ProcessIdentity self, long staleBeforeMs)
    {
        var released = connection.Execute(transaction,
            "UPDATE jobs SET state = 0, owner = NULL, due = NULL, timeouts = timeouts + 1 WHERE state = 1 AND due <= @now",
            ("@now", nowMs));
        connection.Execute(transaction, "UPDATE jobs SET state = 0, due = NULL WHERE state = 3 AND due <= @now", ("@now", nowMs));

        foreach (var session in DeadSessions(connection, transaction, self, staleBeforeMs))
        {
            released += connection.Execute(transaction,
                "UPDATE jobs SET state = 0, owner = NULL, due = NULL WHERE state = 1 AND owner = @session", ("@session", session));
            connection.Execute(transaction, "DELETE FROM watches WHERE session = @session", ("@session", session));
            connection.Execute(transaction, "DELETE FROM sessions WHERE id = @session", ("@session", session));
        }
        return released;
    }

    private static List<long> DeadSessions(SqliteConnection connection, SqliteTransaction transaction, ProcessIdentity self, long staleBeforeMs)
    {
        var dead = new List<long>();
        using var command = connection.Command(transaction,
            "SELECT id, pid, started, host, last_seen FROM sessions WHERE NOT (pid = @pid AND started = @started AND host = @host)",
            ("@pid", self.Pid), ("@started", self.StartTicks), ("@host", self.Host));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var owner = new ProcessIdentity(reader.GetInt32(1), reader.GetInt64(2), reader.GetString(3));
            // Where the pid can be looked up it decides; elsewhere (another host or pid namespace
            // sharing the file) only a heartbeat that stopped long ago does.
            var alive = owner.IsAlive() ?? reader.GetInt64(4) >= staleBeforeMs;
            if (!alive)
            {
                dead.Add(reader.GetInt64(0));
            }
        }
        return dead;
    }
}
