#include "chain/anvilnode.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryFile>
#include <QThread>

#include <csignal>
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif
#include <sys/types.h>
#include <unistd.h>
#include <utility>

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("berth::chain::AnvilNode", text);
}

QString logTail(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray all = file.readAll();
    return QString::fromUtf8(all.right(600)).trimmed();
}

// /proc/<pid> exists and is not a zombie.
bool pidAlive(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || line.mid(close + 2, 1) != "Z";
}

} // namespace

QString AnvilNode::findBinary()
{
    const QString fromEnv = qEnvironmentVariable("BERTH_ANVIL");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::findExecutable(u"anvil"_s);
}

Result<AnvilNode> AnvilNode::start(const Options &options)
{
    const QString binary = options.binary.isEmpty() ? findBinary() : options.binary;
    const QFileInfo info(binary);
    if (binary.isEmpty() || !info.exists() || !info.isExecutable()) {
        return Error(ErrorCode::NotFound,
                     tr("cannot find Anvil%1; install the contracts' npm packages: scripts/test "
                        "does it, or `npm ci` in contracts/ (or set BERTH_ANVIL)")
                         .arg(binary.isEmpty() ? QString() : u" at "_s + binary));
    }

    AnvilNode node;
    node.m_host = options.host;
    node.m_chainId = options.chainId;
    node.m_detached = options.detached;
    node.m_logFile = options.logFile;
    if (node.m_logFile.isEmpty()) {
        QTemporaryFile temp(QDir::tempPath() + u"/berth-anvil-XXXXXX.log"_s);
        temp.setAutoRemove(false);
        if (!temp.open())
            return Error(ErrorCode::IoFailed,
                         tr("cannot create a log file for Anvil in %1").arg(QDir::tempPath()));
        node.m_logFile = temp.fileName();
        node.m_removeLog = !options.detached;
    } else {
        QFile truncate(node.m_logFile);
        if (!truncate.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return Error(ErrorCode::IoFailed, tr("cannot write Anvil's log file %1: %2")
                                                  .arg(node.m_logFile, truncate.errorString()));
    }

    auto process = std::make_unique<QProcess>();
    process->setProgram(binary);
    process->setArguments({u"--host"_s, options.host, u"--port"_s, QString::number(options.port),
                           u"--chain-id"_s, QString::number(options.chainId), u"--accounts"_s,
                           QString::number(options.accounts)});
    process->setStandardInputFile(QProcess::nullDevice());
    process->setStandardOutputFile(node.m_logFile, QIODevice::Append);
    process->setStandardErrorFile(node.m_logFile, QIODevice::Append);

    if (options.detached) {
        qint64 pid = 0;
        if (!process->startDetached(&pid) || pid <= 0)
            return Error(ErrorCode::IoFailed,
                         tr("cannot start Anvil (%1): %2").arg(binary, process->errorString()));
        node.m_pid = pid;
    } else {
#ifdef Q_OS_LINUX
        // If this process dies without stopping it (a crashed test), Anvil goes too.
        process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
        process->start();
        if (!process->waitForStarted(5000))
            return Error(ErrorCode::IoFailed,
                         tr("cannot start Anvil (%1): %2").arg(binary, process->errorString()));
        node.m_pid = process->processId();
        node.m_process = std::move(process);
    }

    static const QRegularExpression listening(u"Listening on ([^\\s]+):(\\d+)"_s);
    QDeadlineTimer deadline(options.startTimeoutMs);
    while (true) {
        QFile log(node.m_logFile);
        if (log.open(QIODevice::ReadOnly)) {
            const QRegularExpressionMatch match = listening.match(QString::fromUtf8(log.readAll()));
            if (match.hasMatch()) {
                node.m_port = quint16(match.captured(2).toUInt());
                return node;
            }
        }
        const bool exited = node.m_process ? node.m_process->state() == QProcess::NotRunning
                                           : !pidAlive(node.m_pid);
        if (exited) {
            const Error error(ErrorCode::Unavailable,
                              tr("Anvil exited before it listened (is port %1 on %2 taken?); "
                                 "its log (%3) ends with: %4")
                                  .arg(options.port)
                                  .arg(options.host, node.m_logFile, logTail(node.m_logFile)));
            node.m_removeLog = false; // keep it for the user to read
            node.stop();
            return error;
        }
        if (deadline.hasExpired()) {
            node.m_removeLog = false;
            node.stop();
            return Error(ErrorCode::Timeout,
                         tr("Anvil did not start listening within %1 s; see its log %2")
                             .arg(options.startTimeoutMs / 1000)
                             .arg(node.m_logFile));
        }
        if (node.m_process)
            node.m_process->waitForFinished(50);
        else
            QThread::msleep(50);
    }
}

Result<void> AnvilNode::stopPid(qint64 pid)
{
    if (pid <= 0)
        return Error(ErrorCode::InvalidArgument, tr("%1 is not a process id").arg(pid));
    if (!pidAlive(pid))
        return {};
    QFile cmdline(u"/proc/%1/cmdline"_s.arg(pid));
    if (!cmdline.open(QIODevice::ReadOnly))
        return {}; // gone in between
    const QByteArray program = cmdline.readAll().split('\0').value(0);
    const QString name = QFileInfo(QString::fromLocal8Bit(program)).fileName();
    if (!name.contains(u"anvil"_s)) {
        return Error(ErrorCode::Conflict,
                     tr("process %1 is no longer Anvil (it is %2); not stopping it")
                         .arg(pid)
                         .arg(name.isEmpty() ? u"unknown"_s : name));
    }
    ::kill(pid_t(pid), SIGTERM);
    QDeadlineTimer grace(5000);
    while (pidAlive(pid) && !grace.hasExpired())
        QThread::msleep(50);
    if (pidAlive(pid)) {
        ::kill(pid_t(pid), SIGKILL);
        QDeadlineTimer after(2000);
        while (pidAlive(pid) && !after.hasExpired())
            QThread::msleep(20);
    }
    if (pidAlive(pid))
        return Error(ErrorCode::Internal, tr("Anvil (pid %1) did not stop").arg(pid));
    return {};
}

AnvilNode::AnvilNode(AnvilNode &&other) noexcept
    : m_process(std::move(other.m_process))
    , m_host(std::move(other.m_host))
    , m_port(other.m_port)
    , m_pid(std::exchange(other.m_pid, 0))
    , m_chainId(other.m_chainId)
    , m_detached(other.m_detached)
    , m_logFile(std::move(other.m_logFile))
    , m_removeLog(std::exchange(other.m_removeLog, false))
{}

AnvilNode &AnvilNode::operator=(AnvilNode &&other) noexcept
{
    if (this != &other) {
        if (!m_detached)
            stop();
        m_process = std::move(other.m_process);
        m_host = std::move(other.m_host);
        m_port = other.m_port;
        m_pid = std::exchange(other.m_pid, 0);
        m_chainId = other.m_chainId;
        m_detached = other.m_detached;
        m_logFile = std::move(other.m_logFile);
        m_removeLog = std::exchange(other.m_removeLog, false);
    }
    return *this;
}

AnvilNode::~AnvilNode()
{
    if (!m_detached)
        stop();
}

QUrl AnvilNode::rpcUrl() const
{
    QString host = m_host;
    if (host == u"0.0.0.0")
        host = u"127.0.0.1"_s;
    else if (host.contains(u':'))
        host = u"["_s + host + u"]"_s;
    return QUrl(u"http://%1:%2"_s.arg(host).arg(m_port));
}

bool AnvilNode::isRunning() const
{
    if (m_process)
        return m_process->state() != QProcess::NotRunning;
    return m_pid > 0 && pidAlive(m_pid);
}

void AnvilNode::stop()
{
    if (m_process) {
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate();
            if (!m_process->waitForFinished(5000)) {
                m_process->kill();
                m_process->waitForFinished(2000);
            }
        }
        m_process.reset();
    } else if (m_detached && m_pid > 0) {
        (void)stopPid(m_pid);
    }
    m_pid = 0;
    if (m_removeLog) {
        QFile::remove(m_logFile);
        m_removeLog = false;
    }
}

} // namespace berth::chain
