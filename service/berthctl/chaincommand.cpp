#include "chaincommand.h"

#include "chain/anvilnode.h"
#include "chain/contractartifact.h"
#include "chain/jsonrpcclient.h"
#include "chaincommandline.h"
#include "cliwait.h"
#include "commandoutput.h"
#include "core/tokenamount.h"
#include "crypto/privatekey.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

// Anvil's first well-known development key (from its public test mnemonic). It
// deploys the devnet contracts; it is never used on any other chain.
constexpr auto devDeployerKey =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

// Staking parameters of the devnet: short enough to try challenges by hand.
constexpr quint64 devUnbondingDelay = 24 * 3600;
constexpr quint64 devChallengeWindow = 3600;
constexpr quint64 devMinChallengeInterval = 3600;

// $XDG_STATE_HOME/berth/devnet (Qt 6.4 has no GenericStateLocation yet).
QString devnetDir()
{
    QString state = qEnvironmentVariable("XDG_STATE_HOME");
    if (state.isEmpty())
        state = QDir::homePath() + u"/.local/state"_s;
    return state + u"/berth/devnet"_s;
}

// --chain (where the profile is written) and --json.
void addProfileOutputOptions(QCommandLineParser &parser)
{
    parser.addOption(
        {u"chain"_s,
         u"Where to write the profile (default: %1)."_s.arg(ChainProfile::defaultPath()),
         u"file"_s});
    parser.addOption({u"json"_s, u"Print the result as JSON."_s});
}

QString profilePath(const QCommandLineParser &parser)
{
    const QString explicitPath = parser.value(u"chain"_s);
    return explicitPath.isEmpty() ? ChainProfile::defaultPath() : explicitPath;
}

Result<crypto::Address> deploy(ChainSession &session, const QString &name,
                               const ContractClient::Values &args, quint64 *block = nullptr)
{
    auto artifact = ContractArtifact::load(name);
    if (!artifact)
        return artifact.error();
    auto encodedArgs = artifact->abi.encodeConstructor(args);
    if (!encodedArgs)
        return encodedArgs.error();
    TxRequest request;
    request.data = artifact->bytecode + *encodedArgs;
    request.label = u"deploy "_s + name;
    auto receipt = session.send(request);
    if (!receipt)
        return receipt.error();
    if (!receipt->contractAddress)
        return Error{ErrorCode::BadResponse,
                     u"the receipt of deploying %1 names no contract address"_s.arg(name)};
    if (block)
        *block = receipt->blockNumber;
    return *receipt->contractAddress;
}

int stopDevnet(CommandContext &context, const QString &path, bool json)
{
    auto profile = ChainProfile::load(path);
    if (!profile || !profile->devnetPid) {
        context.err << "berthctl: no devnet is recorded in " << QDir::toNativeSeparators(path)
                    << "; nothing to stop\n";
        return ExitOk;
    }
    auto stopped = AnvilNode::stopPid(*profile->devnetPid);
    if (!stopped) {
        return context.fail(stopped.error());
    }
    QFile::remove(path);
    CommandOutput(context, json)
        .field(u"stopped"_s, true)
        .field(u"pid"_s, QString::number(*profile->devnetPid))
        .line(u"Stopped the devnet (Anvil, pid %1) and removed %2"_s.arg(
            QString::number(*profile->devnetPid), QDir::toNativeSeparators(path)))
        .print();
    return ExitOk;
}

int startDevnet(CommandContext &context, const QCommandLineParser &parser, bool json)
{
    const QString path = profilePath(parser);
    if (auto existing = ChainProfile::load(path); existing && existing->devnetPid) {
        if (QFile::exists(u"/proc/%1"_s.arg(QString::number(*existing->devnetPid)))) {
            context.err << "berthctl: a devnet is already running at "
                        << existing->rpcUrl.toString() << " (pid " << *existing->devnetPid
                        << "); stop it first with `berthctl chain devnet --stop`\n";
            return ExitFailure;
        }
    }
    bool ok = true;
    const quint16 port = quint16(parser.value(u"port"_s).toUInt(&ok));
    if (!ok)
        return context.usageError(u"--port takes a port number (0 picks a free one)"_s,
                                  u"chain devnet"_s);
    const int accounts = parser.value(u"accounts"_s).toInt(&ok);
    if (!ok || accounts < 1 || accounts > 100)
        return context.usageError(u"--accounts takes a number from 1 to 100"_s, u"chain devnet"_s);

    QDir().mkpath(devnetDir());
    AnvilNode::Options options;
    options.binary = parser.value(u"anvil"_s);
    options.port = port;
    options.accounts = accounts;
    options.detached = true;
    options.logFile = devnetDir() + u"/anvil.log"_s;
    auto node = AnvilNode::start(options);
    if (!node) {
        return context.fail(node.error());
    }
    // If anything below fails, the half-made devnet goes away again.
    const auto fail = [&](const Error &error) {
        context.err << "berthctl: " << error.message << "\nStopped the devnet again.\n";
        (void)AnvilNode::stopPid(node->pid());
        return ExitFailure;
    };

    ChainProfile profile;
    profile.name = u"devnet"_s;
    profile.rpcUrl = node->rpcUrl();
    profile.chainId = node->chainId();
    profile.tokenSymbol = u"tUSD"_s;
    profile.tokenDecimals = 6;
    profile.devnetPid = node->pid();
    profile.devnetLog = node->logFile();
    ChainSession::Options sessionOptions;
    sessionOptions.json = json;
    ChainSession session(profile, sessionOptions, context);
    session.useKey(*crypto::PrivateKey::fromHex(QString::fromLatin1(devDeployerKey)));

    auto token = deploy(session, u"TestToken"_s,
                        {AbiValue::fromString(u"Test USD"_s), AbiValue::fromString(u"tUSD"_s)},
                        &profile.deploymentBlock);
    if (!token)
        return fail(token.error());
    auto registry = deploy(session, u"Registry"_s, {});
    if (!registry)
        return fail(registry.error());
    auto escrow = deploy(session, u"Escrow"_s, {});
    if (!escrow)
        return fail(escrow.error());
    const UInt256 oneToken = 1'000'000;
    auto staking =
        deploy(session, u"Staking"_s,
               {AbiValue::fromAddress(*token), AbiValue::fromAddress(*escrow),
                AbiValue::fromUInt(devUnbondingDelay), AbiValue::fromUInt(devChallengeWindow),
                AbiValue::fromUInt(10 * oneToken), AbiValue::fromUInt(devMinChallengeInterval),
                AbiValue::fromUInt(50 * oneToken)});
    if (!staking)
        return fail(staking.error());
    auto market = deploy(session, u"Market"_s,
                         {AbiValue::fromAddress(*registry), AbiValue::fromAddress(*escrow)});
    if (!market)
        return fail(market.error());
    profile.token = *token;
    profile.registry = *registry;
    profile.escrow = *escrow;
    profile.staking = *staking;
    profile.market = *market;

    ChainSession wired(profile, sessionOptions, context);
    wired.useKey(*crypto::PrivateKey::fromHex(QString::fromLatin1(devDeployerKey)));
    const auto hook = [&](const QString &contract, const QString &function,
                          const crypto::Address &target) -> Result<void> {
        auto client = wired.contract(contract);
        if (!client)
            return client.error();
        auto receipt = wired.send(*client, function, {AbiValue::fromAddress(target)});
        if (!receipt)
            return receipt.error();
        return {};
    };
    for (const auto &[contract, function, target] :
         {std::tuple{u"Escrow"_s, u"setStaking"_s, *staking},
          std::tuple{u"Escrow"_s, u"setMarket"_s, *market},
          std::tuple{u"Market"_s, u"setStaking"_s, *staking}}) {
        if (auto r = hook(contract, function, target); !r)
            return fail(r.error());
    }

    // Every development account gets tokens to pay and stake with.
    auto mint = parseTokenAmount(parser.value(u"mint"_s), profile.tokenDecimals);
    if (!mint)
        return fail(mint.error());
    auto accountList = waitFor<QJsonValue>([&](QObject *ctx, auto done) {
        wired.eth()->rpc()->call(u"eth_accounts"_s, {}, ctx, done);
    });
    if (!accountList)
        return fail(accountList.error());
    auto tokenClient = wired.contract(u"TestToken"_s);
    QJsonArray funded;
    for (const QJsonValue &a : accountList->toArray()) {
        auto address = crypto::Address::fromHex(a.toString());
        if (!address)
            return fail(address.error());
        auto receipt = wired.send(*tokenClient, u"mint"_s,
                                  {AbiValue::fromAddress(*address), AbiValue::fromUInt(*mint)});
        if (!receipt)
            return fail(receipt.error());
        funded.append(address->toChecksumString());
    }

    if (auto saved = profile.save(path); !saved)
        return fail(saved.error());

    CommandOutput out(context, json);
    out.field(u"profile"_s, path).field(u"chain"_s, profile.toJson()).field(u"funded"_s, funded);
    out.line(u"Devnet running: Anvil at %1 (chain id %2, pid %3, log %4)"_s.arg(
        profile.rpcUrl.toString(), QString::number(profile.chainId),
        QString::number(*profile.devnetPid), QDir::toNativeSeparators(profile.devnetLog)));
    out.line(u"  TestToken %1 (%2, %3 decimals)"_s.arg(profile.token.toChecksumString(),
                                                       profile.tokenSymbol,
                                                       QString::number(profile.tokenDecimals)));
    out.line(u"  Registry  %1"_s.arg(profile.registry.toChecksumString()));
    out.line(u"  Escrow    %1"_s.arg(profile.escrow.toChecksumString()));
    out.line(u"  Staking   %1"_s.arg(profile.staking.toChecksumString()));
    out.line(u"  Market    %1"_s.arg(profile.market.toChecksumString()));
    out.line(u"Minted %1 %2 to each of the %3 development accounts."_s.arg(
        parser.value(u"mint"_s), profile.tokenSymbol, QString::number(funded.size())));
    out.line(u"Profile written to %1; stop with `berthctl chain devnet --stop`."_s.arg(
        QDir::toNativeSeparators(path)));
    out.print();
    return ExitOk;
}

int runDevnet(CommandContext &context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Starts a local Anvil chain in the background, deploys Berth's contracts and a "
        u"test token, funds the development accounts and writes a chain profile that every "
        u"other command uses."_s);
    parser.addHelpOption();
    parser.addOption({u"stop"_s, u"Stop the devnet and remove its profile."_s});
    parser.addOption({u"port"_s, u"Port for Anvil (0: a free one)."_s, u"port"_s, u"0"_s});
    parser.addOption(
        {u"accounts"_s, u"Development accounts to create and fund."_s, u"n"_s, u"10"_s});
    parser.addOption(
        {u"mint"_s, u"Test tokens minted to each account."_s, u"amount"_s, u"1000000"_s});
    parser.addOption(
        {u"anvil"_s, u"Anvil binary (default: $BERTH_ANVIL, then PATH)."_s, u"path"_s});
    addProfileOutputOptions(parser);
    if (int exitCode = 0; !parseCommandLine(parser, context, u"chain devnet"_s, exitCode))
        return exitCode;
    const bool json = parser.isSet(u"json"_s);
    if (parser.isSet(u"stop"_s))
        return stopDevnet(context, profilePath(parser), json);
    return startDevnet(context, parser, json);
}

int runShow(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"chain show"_s, u"Prints the selected chain profile."_s, false))
        return c.exitCode;
    const ChainProfile &p = c.session->profile();
    CommandOutput out(context, c.session->json());
    out.field(u"chain"_s, p.toJson());
    out.line(
        u"%1: %2 (chain id %3)"_s.arg(p.name, p.rpcUrl.toString(), QString::number(p.chainId)));
    out.line(u"  token     %1 (%2, %3 decimals)"_s.arg(p.token.toChecksumString(), p.tokenSymbol,
                                                       QString::number(p.tokenDecimals)));
    out.line(u"  Registry  %1"_s.arg(p.registry.toChecksumString()));
    out.line(u"  Escrow    %1"_s.arg(p.escrow.toChecksumString()));
    out.line(u"  Staking   %1"_s.arg(p.staking.toChecksumString()));
    out.line(u"  Market    %1"_s.arg(p.market.toChecksumString()));
    if (p.deploymentBlock)
        out.line(u"  deployed in block %1"_s.arg(p.deploymentBlock));
    out.print();
    return ExitOk;
}

int runUse(CommandContext &context)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Selects the chain other commands use: a chain profile FILE (as `chain devnet` "
        u"writes), or an RPC URL together with the contract addresses."_s);
    parser.addHelpOption();
    parser.addPositionalArgument(u"FILE|URL"_s, u"A chain profile, or an http(s) RPC URL."_s);
    for (const auto &name : {u"registry"_s, u"escrow"_s, u"staking"_s, u"market"_s, u"token"_s})
        parser.addOption(
            {name, u"Address of the %1 contract (with a URL)."_s.arg(name), u"address"_s});
    parser.addOption({u"deployment-block"_s,
                      u"The block the contracts were deployed in (with a URL): the market index "
                      u"starts reading there instead of at block 0."_s,
                      u"number"_s});
    addProfileOutputOptions(parser);
    if (int exitCode = 0; !parseCommandLine(parser, context, u"chain use"_s, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return context.usageError(u"give one chain profile FILE or RPC URL"_s, u"chain use"_s);
    const QString source = parser.positionalArguments().constFirst();
    ChainProfile profile;
    if (source.startsWith(u"http://") || source.startsWith(u"https://")) {
        profile.name = QUrl(source).host();
        profile.rpcUrl = QUrl(source);
        ChainSession probe(profile, {}, context);
        auto chainId =
            waitFor<quint64>([&](QObject *ctx, auto done) { probe.eth()->chainId(ctx, done); });
        if (!chainId)
            return context.fail(chainId.error());
        profile.chainId = *chainId;
        if (parser.isSet(u"deployment-block"_s)) {
            bool ok = false;
            profile.deploymentBlock = parser.value(u"deployment-block"_s).toULongLong(&ok);
            if (!ok)
                return context.usageError(u"--deployment-block takes a block number"_s,
                                          u"chain use"_s);
        }
        for (const auto &[name, field] :
             {std::pair{u"registry"_s, &profile.registry}, std::pair{u"escrow"_s, &profile.escrow},
              std::pair{u"staking"_s, &profile.staking}, std::pair{u"market"_s, &profile.market},
              std::pair{u"token"_s, &profile.token}}) {
            if (!parser.isSet(name))
                continue;
            auto address = crypto::Address::fromHex(parser.value(name));
            if (!address)
                return context.fail(address.error());
            *field = *address;
        }
        if (!profile.token.isZero()) {
            ChainSession reader(profile, {}, context);
            auto token = reader.contract(u"TestToken"_s);
            auto symbol = reader.read(*token, u"symbol"_s, {});
            auto decimals = reader.read(*token, u"decimals"_s, {});
            if (!symbol || !decimals)
                return context.fail(!symbol ? symbol.error() : decimals.error());
            profile.tokenSymbol = *symbol->constFirst().toString();
            profile.tokenDecimals = int(*toUInt64(*decimals->constFirst().toUInt()));
        }
    } else {
        auto loaded = ChainProfile::load(source);
        if (!loaded)
            return context.fail(loaded.error());
        profile = std::move(loaded).value();
    }
    const QString path =
        parser.value(u"chain"_s).isEmpty() ? ChainProfile::defaultPath() : parser.value(u"chain"_s);
    if (auto saved = profile.save(path); !saved)
        return context.fail(saved.error());
    CommandOutput(context, parser.isSet(u"json"_s))
        .field(u"profile"_s, path)
        .field(u"chain"_s, profile.toJson())
        .line(u"Using %1 (chain id %2); profile written to %3"_s.arg(
            profile.rpcUrl.toString(), QString::number(profile.chainId),
            QDir::toNativeSeparators(path)))
        .print();
    return ExitOk;
}

} // namespace

int runChainCommand(CommandContext &context)
{
    return dispatchSubcommand(
        context, u"chain"_s,
        {{u"devnet"_s, u"start a local Anvil with Berth's contracts and a test token"_s, runDevnet},
         {u"use"_s, u"select the chain other commands use"_s, runUse},
         {u"show"_s, u"print the selected chain profile"_s, runShow}});
}

} // namespace berth::cli
