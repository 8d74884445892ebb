#include "chain/contractartifact.h"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>

using namespace Qt::StringLiterals;

namespace berth::chain {

Result<ContractArtifact> ContractArtifact::load(const QString &name)
{
    static QMutex mutex;
    static QHash<QString, ContractArtifact> cache;
    const QMutexLocker lock(&mutex);
    if (auto it = cache.constFind(name); it != cache.constEnd())
        return *it;

    QFile file(u":/berth/contracts/%1.json"_s.arg(name));
    if (!file.open(QIODevice::ReadOnly))
        return Error{ErrorCode::NotFound,
                     u"no contract artifact named %1 is built into Berth"_s.arg(name)};
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    auto abi = ContractAbi::fromJson(json.value(u"abi"_s).toArray());
    if (!abi)
        return Error{ErrorCode::Internal, u"the built-in %1 artifact has an invalid ABI: %2"_s.arg(
                                              name, abi.error().message)};
    QString hex = json.value(u"bytecode"_s).toString();
    if (hex.startsWith(u"0x"))
        hex = hex.mid(2);
    ContractArtifact artifact{name, *abi, QByteArray::fromHex(hex.toLatin1())};
    if (artifact.bytecode.isEmpty())
        return Error{ErrorCode::Internal, u"the built-in %1 artifact has no bytecode"_s.arg(name)};
    cache.insert(name, artifact);
    return artifact;
}

} // namespace berth::chain
