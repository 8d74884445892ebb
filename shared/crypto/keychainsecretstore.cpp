#include "crypto/keychainsecretstore.h"

#include <QLoggingCategory>
#include <QObject>
#include <qt6keychain/keychain.h>

using namespace Qt::StringLiterals;

namespace berth::crypto {

namespace {

Q_LOGGING_CATEGORY(lcKeychain, "berth.shared.keychain")

// Maps a finished job's error to Berth's; the key name is not secret, the data is.
Error keychainError(const QKeychain::Job &job, const QString &key)
{
    const QString detail = job.errorString();
    switch (job.error()) {
    case QKeychain::EntryNotFound:
        return Error{ErrorCode::NotFound,
                     u"the OS keychain has no entry \"%1\" for Berth"_s.arg(key)};
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return Error{ErrorCode::AuthFailed,
                     u"the OS keychain refused access to \"%1\" (%2): unlock the keychain and "
                     u"allow Berth to use it"_s.arg(key, detail)};
    case QKeychain::CouldNotDeleteEntry:
        return Error{ErrorCode::IoFailed,
                     u"the OS keychain could not delete \"%1\" (%2)"_s.arg(key, detail)};
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
    case QKeychain::NoError:
        break;
    }
    return Error{ErrorCode::Unavailable,
                 u"no OS keychain is reachable (%1): on a machine without a desktop session, "
                 u"keep the keystore password in a file (mode 600) and name it with "
                 u"wallet.passwordFile in berthd.yaml or --password-file"_s.arg(detail)};
}

template<typename JobType> JobType *newJob(const QString &service, const QString &key)
{
    auto *job = new JobType(service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    job->setKey(key);
    return job;
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service)
    : m_service(std::move(service))
{}

void KeychainSecretStore::read(const QString &key, QObject *context, ReadCallback callback)
{
    auto *job = newJob<QKeychain::ReadPasswordJob>(m_service, key);
    QObject::connect(job, &QKeychain::Job::finished, context ? context : job,
                     [job, key, callback = std::move(callback)] {
                         if (job->error() != QKeychain::NoError) {
                             qCDebug(lcKeychain) << "read" << key << "failed:" << job->error();
                             callback(keychainError(*job, key));
                             return;
                         }
                         QByteArray data = job->binaryData();
                         SecretBytes secret(data);
                         secureZero(data);
                         callback(std::move(secret));
                     });
    job->start();
}

void KeychainSecretStore::write(const QString &key, const SecretBytes &secret, QObject *context,
                                DoneCallback callback)
{
    auto *job = newJob<QKeychain::WritePasswordJob>(m_service, key);
    // QtKeychain keeps its own copy until the job is deleted; ours is wiped here.
    QByteArray data = secret.view().toByteArray();
    job->setBinaryData(data);
    secureZero(data);
    QObject::connect(job, &QKeychain::Job::finished, context ? context : job,
                     [job, key, callback = std::move(callback)] {
                         if (job->error() != QKeychain::NoError) {
                             qCDebug(lcKeychain) << "write" << key << "failed:" << job->error();
                             callback(keychainError(*job, key));
                             return;
                         }
                         callback(Result<void>());
                     });
    job->start();
}

void KeychainSecretStore::remove(const QString &key, QObject *context, DoneCallback callback)
{
    auto *job = newJob<QKeychain::DeletePasswordJob>(m_service, key);
    QObject::connect(job, &QKeychain::Job::finished, context ? context : job,
                     [job, key, callback = std::move(callback)] {
                         if (job->error() != QKeychain::NoError) {
                             qCDebug(lcKeychain) << "remove" << key << "failed:" << job->error();
                             callback(keychainError(*job, key));
                             return;
                         }
                         callback(Result<void>());
                     });
    job->start();
}

} // namespace berth::crypto
