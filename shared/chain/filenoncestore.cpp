#include "chain/filenoncestore.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace berth::chain {

Q_LOGGING_CATEGORY(lcNonces, "berth.core.chain.nonces", QtWarningMsg)

namespace {

constexpr int kFormatVersion = 1;

QString tr(const char *text)
{
    return QCoreApplication::translate("berth::chain::FileNonceStore", text);
}

} // namespace

FileNonceStore::FileNonceStore(const QString &path)
    : m_path(path)
{}

Result<QJsonObject> FileNonceStore::load() const
{
    QFile file(m_path);
    if (!file.exists())
        return QJsonObject{};
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::IoFailed,
                     tr("cannot read the nonce file %1: %2").arg(m_path, file.errorString()));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(1024 * 1024), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject() ||
        document.object().value(u"version"_s).toInt() != kFormatVersion)
        return Error(ErrorCode::ParseFailed,
                     tr("the nonce file %1 is damaged; delete it and Berth will use the "
                        "chain's count")
                         .arg(m_path));
    return document.object();
}

std::optional<quint64> FileNonceStore::nextNonce(quint64 chainId,
                                                 const crypto::Address &account) const
{
    const Result<QJsonObject> root = load();
    if (!root) {
        qCWarning(lcNonces).noquote() << root.error().message;
        return std::nullopt;
    }
    const QJsonValue value = root->value(u"chains"_s)
                                 .toObject()
                                 .value(QString::number(chainId))
                                 .toObject()
                                 .value(account.toLowerHex());
    if (!value.isDouble() || value.toInteger(-1) < 0)
        return std::nullopt;
    return quint64(value.toInteger());
}

Result<void> FileNonceStore::record(quint64 chainId, const crypto::Address &account, quint64 next)
{
    Result<QJsonObject> loaded = load();
    QJsonObject root = loaded ? *loaded : QJsonObject{}; // a damaged file is replaced
    QJsonObject chains = root.value(u"chains"_s).toObject();
    QJsonObject accounts = chains.value(QString::number(chainId)).toObject();
    accounts.insert(account.toLowerHex(), qint64(next));
    chains.insert(QString::number(chainId), accounts);
    root.insert(u"version"_s, kFormatVersion);
    root.insert(u"chains"_s, chains);

    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return Error(
            ErrorCode::IoFailed,
            tr("cannot create the directory %1 for the nonce file").arg(info.absolutePath()));
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return Error(ErrorCode::IoFailed,
                     tr("cannot write the nonce file %1: %2").arg(m_path, file.errorString()));
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Error(ErrorCode::IoFailed,
                     tr("cannot write the nonce file %1: %2").arg(m_path, file.errorString()));
    return {};
}

} // namespace berth::chain
