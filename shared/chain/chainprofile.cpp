#include "chain/chainprofile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

constexpr qint64 maxProfileBytes = 64 * 1024;

Error profileError(const QString &what)
{
    return {ErrorCode::ValidationFailed,
            u"chain profile: %1. Recreate it with `berthctl chain devnet` or `berthctl chain use`"_s
                .arg(what)};
}

} // namespace

QJsonObject ChainProfile::toJson() const
{
    QJsonObject contracts{{u"registry"_s, registry.toChecksumString()},
                          {u"escrow"_s, escrow.toChecksumString()},
                          {u"staking"_s, staking.toChecksumString()},
                          {u"market"_s, market.toChecksumString()}};
    QJsonObject tokenJson{{u"address"_s, token.toChecksumString()},
                          {u"symbol"_s, tokenSymbol},
                          {u"decimals"_s, tokenDecimals}};
    QJsonObject json{{u"name"_s, name},
                     {u"rpcUrl"_s, rpcUrl.toString()},
                     {u"chainId"_s, QString::number(chainId)},
                     {u"contracts"_s, contracts},
                     {u"token"_s, tokenJson}};
    if (deploymentBlock)
        json.insert(u"deploymentBlock"_s, QString::number(deploymentBlock));
    if (devnetPid)
        json.insert(u"devnet"_s, QJsonObject{{u"pid"_s, *devnetPid}, {u"log"_s, devnetLog}});
    return json;
}

Result<ChainProfile> ChainProfile::fromJson(const QJsonObject &json)
{
    ChainProfile p;
    p.name = json.value(u"name"_s).toString();
    p.rpcUrl = QUrl(json.value(u"rpcUrl"_s).toString(), QUrl::StrictMode);
    if (!p.rpcUrl.isValid() || (p.rpcUrl.scheme() != u"http" && p.rpcUrl.scheme() != u"https"))
        return profileError(u"rpcUrl must be an http:// or https:// URL"_s);
    bool ok = false;
    const QJsonValue chainId = json.value(u"chainId"_s);
    p.chainId =
        chainId.isString() ? chainId.toString().toULongLong(&ok) : quint64(chainId.toInteger(0));
    if (chainId.isDouble())
        ok = chainId.toInteger(0) > 0;
    if (!ok || p.chainId == 0)
        return profileError(u"chainId must be a positive integer"_s);
    if (const QJsonValue block = json.value(u"deploymentBlock"_s); !block.isUndefined()) {
        bool blockOk = false;
        p.deploymentBlock = block.isString() ? block.toString().toULongLong(&blockOk)
                                             : quint64(block.toInteger(-1));
        if (block.isDouble())
            blockOk = block.toInteger(-1) >= 0;
        if (!blockOk)
            return profileError(u"deploymentBlock must be a block number"_s);
    }
    const QJsonObject contracts = json.value(u"contracts"_s).toObject();
    const auto address = [](const QJsonObject &o, const QString &key,
                            crypto::Address &out) -> std::optional<Error> {
        if (!o.contains(key))
            return std::nullopt; // optional: a chain without Berth's market, say
        auto a = crypto::Address::fromHex(o.value(key).toString());
        if (!a)
            return profileError(u"%1: %2"_s.arg(key, a.error().message));
        out = *a;
        return std::nullopt;
    };
    for (const auto &[key, field] :
         {std::pair{u"registry"_s, &p.registry}, std::pair{u"escrow"_s, &p.escrow},
          std::pair{u"staking"_s, &p.staking}, std::pair{u"market"_s, &p.market}}) {
        if (auto e = address(contracts, key, *field))
            return *e;
    }
    const QJsonObject token = json.value(u"token"_s).toObject();
    if (auto e = address(token, u"address"_s, p.token))
        return *e;
    p.tokenSymbol = token.value(u"symbol"_s).toString();
    p.tokenDecimals = token.value(u"decimals"_s).toInt(-1);
    if (!p.token.isZero() && (p.tokenDecimals < 0 || p.tokenDecimals > 36))
        return profileError(u"token.decimals must be between 0 and 36"_s);
    const QJsonObject devnet = json.value(u"devnet"_s).toObject();
    if (devnet.contains(u"pid"_s)) {
        p.devnetPid = devnet.value(u"pid"_s).toInteger();
        p.devnetLog = devnet.value(u"log"_s).toString();
    }
    return p;
}

Result<ChainProfile> ChainProfile::load(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return Error{
            ErrorCode::NotFound,
            u"no chain profile at %1: run `berthctl chain devnet` for a local chain or "
            u"`berthctl chain use FILE|URL` to select one"_s.arg(QDir::toNativeSeparators(path))};
    if (!file.open(QIODevice::ReadOnly))
        return Error{ErrorCode::IoFailed,
                     u"cannot read the chain profile %1: %2"_s.arg(path, file.errorString())};
    if (file.size() > maxProfileBytes)
        return Error{ErrorCode::TooLarge,
                     u"the chain profile %1 is larger than 64 KiB"_s.arg(path)};
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!doc.isObject())
        return Error{ErrorCode::ParseFailed,
                     u"the chain profile %1 is not a JSON object (%2)"_s.arg(
                         path, parseError.errorString())};
    return fromJson(doc.object());
}

Result<void> ChainProfile::save(const QString &path) const
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Error{ErrorCode::IoFailed,
                     u"cannot write the chain profile %1: %2"_s.arg(path, file.errorString())};
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write(QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
    if (!file.commit())
        return Error{ErrorCode::IoFailed,
                     u"cannot write the chain profile %1: %2"_s.arg(path, file.errorString())};
    return {};
}

QString ChainProfile::defaultPath()
{
    const QString fromEnv = qEnvironmentVariable("BERTH_CHAIN");
    if (!fromEnv.isEmpty())
        return fromEnv;
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           u"/berth/chain.json"_s;
}

} // namespace berth::chain
