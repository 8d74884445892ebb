#include "providercommand.h"

#include "chain/listingfields.h"
#include "chain/priceunits.h"
#include "chain/registrycontract.h"
#include "chaincommandline.h"
#include "commandoutput.h"
#include "core/hex.h"
#include "manifest/quantity.h"

#include <QCommandLineParser>
#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace berth::cli {

using namespace berth::chain;

namespace {

struct PriceFlag
{
    QString option;
    quint64 period;
    UInt256 Prices::*field;
    QString help;
};

const QList<PriceFlag> &priceFlags()
{
    static const QList<PriceFlag> flags{
        {u"cpu-price"_s, PricePeriod::Hour, &Prices::cpuCorePerSecond,
         u"Price of one CPU core per hour, in tokens."_s},
        {u"memory-price"_s, PricePeriod::Month, &Prices::memoryGiBPerSecond,
         u"Price of one GiB of memory per month (30 days), in tokens."_s},
        {u"storage-price"_s, PricePeriod::Month, &Prices::storageGiBPerSecond,
         u"Price of one GiB of storage per month (30 days), in tokens."_s},
        {u"gpu-price"_s, PricePeriod::Hour, &Prices::gpuUnitPerSecond,
         u"Price of one GPU per hour, in tokens."_s},
        {u"egress-price"_s, PricePeriod::Second, &Prices::egressGiBPerSecond,
         u"Price of one GiB sent, in tokens."_s},
    };
    return flags;
}

void addListingOptions(QCommandLineParser &parser)
{
    parser.addOption(
        {u"endpoint"_s, u"Where publishers reach berthd (wss://host:port)."_s, u"url"_s});
    parser.addOption({u"region"_s, u"A region served (repeat for several)."_s, u"name"_s});
    parser.addOption(
        {u"attr"_s, u"An attribute key=value (repeat for several)."_s, u"key=value"_s});
    parser.addOption({u"cpu"_s, u"CPU capacity (cores: 16, 0.5 or 500m)."_s, u"cores"_s});
    parser.addOption({u"memory"_s, u"Memory capacity (64Gi)."_s, u"bytes"_s});
    parser.addOption({u"storage"_s, u"Storage capacity (1Ti)."_s, u"bytes"_s});
    parser.addOption({u"gpus"_s, u"Number of GPUs."_s, u"n"_s});
    parser.addOption(
        {u"encryption-key"_s,
         u"The provider's X25519 public key (64 hex digits); its keccak256 is listed."_s,
         u"hex"_s});
    for (const PriceFlag &flag : priceFlags())
        parser.addOption({flag.option, flag.help, u"tokens"_s});
}

// Applies the listing flags that are set on top of `profile`.
Result<void> applyListingOptions(const QCommandLineParser &parser, ProviderProfile &profile)
{
    if (parser.isSet(u"endpoint"_s))
        profile.endpoint = parser.value(u"endpoint"_s);
    if (parser.isSet(u"region"_s))
        profile.regions = parser.values(u"region"_s);
    if (parser.isSet(u"attr"_s)) {
        profile.attributes.clear();
        for (const QString &attr : parser.values(u"attr"_s)) {
            auto attribute = parseListingAttribute(attr);
            if (!attribute)
                return Error{ErrorCode::InvalidArgument, u"--attr "_s + attribute.error().message};
            profile.attributes.append(*attribute);
        }
    }
    const auto quantity = [&](const QString &option, auto parse, quint64 &out) -> Result<void> {
        if (!parser.isSet(option))
            return {};
        auto v = parse(parser.value(option));
        if (!v)
            return Error{ErrorCode::InvalidArgument, u"--%1: %2"_s.arg(option, v.error().message)};
        out = quint64(*v);
        return {};
    };
    if (auto r = quantity(u"cpu"_s, manifest::quantity::parseCpuMillis, profile.capacity.cpuMillis);
        !r)
        return r;
    if (auto r =
            quantity(u"memory"_s, manifest::quantity::parseBytes, profile.capacity.memoryBytes);
        !r)
        return r;
    if (auto r =
            quantity(u"storage"_s, manifest::quantity::parseBytes, profile.capacity.storageBytes);
        !r)
        return r;
    if (parser.isSet(u"gpus"_s)) {
        bool ok = false;
        profile.capacity.gpuCount = parser.value(u"gpus"_s).toULongLong(&ok);
        if (!ok)
            return Error{ErrorCode::InvalidArgument, u"--gpus takes a whole number"_s};
    }
    if (parser.isSet(u"encryption-key"_s)) {
        QString hex = parser.value(u"encryption-key"_s);
        if (hex.startsWith(u"0x"))
            hex = hex.mid(2);
        const QByteArray key = QByteArray::fromHex(hex.toLatin1());
        if (key.size() != 32 || hex.size() != 64)
            return Error{
                ErrorCode::InvalidArgument,
                u"--encryption-key takes the 32-byte X25519 public key as 64 hex digits"_s};
        profile.encryptionKeyHash = listingEncryptionKeyHash(key);
    }
    return {};
}

// Prices from the flags on top of `prices`; false when no price flag is set.
Result<bool> applyPriceOptions(const QCommandLineParser &parser, int decimals, Prices &prices)
{
    bool any = false;
    for (const PriceFlag &flag : priceFlags()) {
        if (!parser.isSet(flag.option))
            continue;
        auto rate = scaledRateFromTokens(parser.value(flag.option), decimals, flag.period);
        if (!rate)
            return Error{ErrorCode::InvalidArgument,
                         u"--%1: %2"_s.arg(flag.option, rate.error().message)};
        prices.*flag.field = *rate;
        any = true;
    }
    return any;
}

QStringList describeListing(const ProviderListing &listing, const std::optional<Prices> &prices,
                            const ChainProfile &chain)
{
    const ProviderProfile &p = listing.profile;
    QStringList attrs;
    for (const auto &[k, v] : p.attributes)
        attrs << k + u'=' + v;
    QStringList lines{listing.provider.toChecksumString(), u"  endpoint  %1"_s.arg(p.endpoint),
                      u"  regions   %1"_s.arg(p.regions.join(u", "_s)),
                      u"  capacity  %1 CPU, %2 memory, %3 storage, %4 GPU"_s.arg(
                          manifest::quantity::formatCpuMillis(qint64(p.capacity.cpuMillis)),
                          manifest::quantity::formatBytes(qint64(p.capacity.memoryBytes)),
                          manifest::quantity::formatBytes(qint64(p.capacity.storageBytes)),
                          QString::number(p.capacity.gpuCount))};
    if (!attrs.isEmpty())
        lines << u"  attributes %1"_s.arg(attrs.join(u", "_s));
    if (prices) {
        const int d = chain.tokenDecimals;
        const QString sym = chain.tokenSymbol;
        lines << u"  prices    %1 %6/core-hour, %2 %6/GiB-month memory, %3 %6/GiB-month "
                 u"storage, %4 %6/GPU-hour, %5 %6/GiB egress"_s.arg(
                     tokensPerPeriod(prices->cpuCorePerSecond, d, PricePeriod::Hour),
                     tokensPerPeriod(prices->memoryGiBPerSecond, d, PricePeriod::Month),
                     tokensPerPeriod(prices->storageGiBPerSecond, d, PricePeriod::Month),
                     tokensPerPeriod(prices->gpuUnitPerSecond, d, PricePeriod::Hour),
                     tokensPerPeriod(prices->egressGiBPerSecond, d, PricePeriod::Second), sym);
    } else {
        lines << u"  prices    none in %1"_s.arg(chain.tokenSymbol);
    }
    return lines;
}

QJsonObject listingJson(const Listing &l, const ChainProfile &chain)
{
    QJsonObject json = l.listing.profile.toJson();
    json.insert(u"provider"_s, l.listing.provider.toChecksumString());
    json.insert(u"registeredAt"_s, QString::number(l.listing.registeredAt));
    json.insert(u"updatedAt"_s, QString::number(l.listing.updatedAt));
    if (l.prices) {
        QJsonObject prices = l.prices->toJson(chain.tokenDecimals);
        prices.insert(u"token"_s, chain.token.toChecksumString());
        prices.insert(u"symbol"_s, chain.tokenSymbol);
        json.insert(u"prices"_s, prices);
    }
    return json;
}

int runRegisterOrUpdate(CommandContext &context, bool update)
{
    ChainCommandLine c;
    const QString name = update ? u"update"_s : u"register"_s;
    addListingOptions(c.parser);
    if (!c.parse(context, u"provider "_s + name,
                 update ? u"Changes the listing: only the flags given change; prices given are "
                          u"set for the chain's token."_s
                        : u"Lists the account as a provider in the Registry, with its prices in "
                          u"the chain's token when given."_s,
                 true))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto registryClient = s.contract(u"Registry"_s);
    if (!registryClient)
        return context.fail(registryClient.error());
    const RegistryContract registry(*registryClient);
    auto account = s.account();
    if (!account)
        return context.fail(account.error());

    ProviderProfile profile;
    Prices prices;
    if (update) {
        auto current = readListing(s, *registryClient, *account);
        if (!current)
            return context.fail(current.error());
        profile = current->listing.profile;
        if (current->prices)
            prices = *current->prices;
    } else {
        for (const auto &required : {u"endpoint"_s, u"region"_s, u"encryption-key"_s})
            if (!c.parser.isSet(required))
                return context.usageError(u"register needs --%1"_s.arg(required),
                                          u"provider register"_s);
    }
    if (auto r = applyListingOptions(c.parser, profile); !r)
        return context.usageError(r.error().message, u"provider "_s + name);
    auto pricesGiven = applyPriceOptions(c.parser, s.profile().tokenDecimals, prices);
    if (!pricesGiven)
        return context.usageError(pricesGiven.error().message, u"provider "_s + name);

    if (auto unlocked = s.unlock(u"provider "_s + name); !unlocked)
        return context.fail(unlocked.error());
    auto tx = update ? registry.update(profile) : registry.registerProvider(profile);
    if (!tx)
        return context.fail(tx.error());
    auto receipt = s.send(*tx);
    if (!receipt)
        return context.fail(registryClient->explain(receipt.error(), name));
    QJsonArray hashes{hexString(receipt->transactionHash)};
    if (*pricesGiven) {
        auto pricing = registry.setPricing(s.profile().token, prices);
        if (!pricing)
            return context.fail(pricing.error());
        auto priced = s.send(*pricing);
        if (!priced)
            return context.fail(
                Error{priced.error().code,
                      u"the listing was %1, but setting its prices failed: %2"_s.arg(
                          update ? u"updated"_s : u"registered"_s,
                          registryClient->explain(priced.error(), u"setPricing"_s).message)});
        hashes.append(hexString(priced->transactionHash));
    }
    auto after = readListing(s, *registryClient, *account);
    if (!after)
        return context.fail(after.error());
    CommandOutput out(context, s.json());
    out.field(u"listing"_s, listingJson(*after, s.profile())).field(u"transactions"_s, hashes);
    out.line(update ? u"Updated the listing:"_s : u"Registered:"_s);
    for (const QString &line : describeListing(after->listing, after->prices, s.profile()))
        out.line(line);
    out.print();
    return ExitOk;
}

int runShow(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"provider show"_s,
                 u"Shows a provider's listing and prices (default: the account's)."_s, false,
                 u"ADDRESS"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto registry = s.contract(u"Registry"_s);
    if (!registry)
        return context.fail(registry.error());
    auto provider = c.parser.positionalArguments().isEmpty()
                        ? s.account()
                        : crypto::Address::fromHex(c.parser.positionalArguments().first());
    if (!provider)
        return context.fail(provider.error());
    auto listing = readListing(s, *registry, *provider);
    if (!listing)
        return context.fail(listing.error());
    CommandOutput out(context, s.json());
    out.field(u"listing"_s, listingJson(*listing, s.profile()));
    for (const QString &line : describeListing(listing->listing, listing->prices, s.profile()))
        out.line(line);
    out.print();
    return ExitOk;
}

int runList(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"offset"_s, u"Skip this many providers."_s, u"n"_s, u"0"_s});
    c.parser.addOption({u"limit"_s, u"Show at most this many (at most 100)."_s, u"n"_s, u"50"_s});
    if (!c.parse(context, u"provider list"_s, u"Lists registered providers with their prices."_s,
                 false))
        return c.exitCode;
    ChainSession &s = *c.session;
    bool okOffset = false, okLimit = false;
    const quint64 offset = c.parser.value(u"offset"_s).toULongLong(&okOffset);
    const quint64 limit = c.parser.value(u"limit"_s).toULongLong(&okLimit);
    if (!okOffset || !okLimit || limit == 0 || limit > 100)
        return context.usageError(u"--offset takes a number, --limit a number from 1 to 100"_s,
                                  u"provider list"_s);
    auto registry = s.contract(u"Registry"_s);
    if (!registry)
        return context.fail(registry.error());
    auto page = s.read(*registry, u"providersPage"_s,
                       {AbiValue::fromUInt(offset), AbiValue::fromUInt(limit)});
    if (!page)
        return context.fail(page.error());
    QJsonArray listings;
    CommandOutput out(context, s.json());
    for (const AbiValue &a : page->at(0).items()) {
        auto listing = readListing(s, *registry, a.toAddress().value());
        if (!listing)
            return context.fail(listing.error());
        listings.append(listingJson(*listing, s.profile()));
        for (const QString &line : describeListing(listing->listing, listing->prices, s.profile()))
            out.line(line);
    }
    const QString total = toDecimalString(page->at(1).toUInt().value());
    out.line(u"%1 of %2 providers"_s.arg(QString::number(listings.size()), total));
    out.field(u"providers"_s, listings).field(u"total"_s, total).print();
    return ExitOk;
}

} // namespace

Result<Listing> readListing(ChainSession &session, const ContractClient &registry,
                            const crypto::Address &provider)
{
    auto registered = session.read(registry, u"isRegistered"_s, {AbiValue::fromAddress(provider)});
    if (!registered)
        return registered.error();
    if (!registered->constFirst().toBool().value())
        return Error{ErrorCode::NotFound,
                     u"%1 is not registered: register with `berthctl provider register`"_s.arg(
                         provider.toChecksumString())};
    auto listing = session.read(registry, u"getListing"_s, {AbiValue::fromAddress(provider)});
    if (!listing)
        return listing.error();
    auto pricing = session.read(
        registry, u"getPricing"_s,
        {AbiValue::fromAddress(provider), AbiValue::fromAddress(session.profile().token)});
    if (!pricing)
        return pricing.error();
    Listing out{RegistryContract::listingFromAbi(provider, *listing), std::nullopt};
    if (pricing->at(0).toBool().value())
        out.prices = Prices::fromAbi(pricing->at(1));
    return out;
}

int runProviderCommand(CommandContext &context)
{
    return dispatchSubcommand(context, u"provider"_s,
                              {{u"register"_s, u"list this account as a provider, with prices"_s,
                                [](CommandContext &c) { return runRegisterOrUpdate(c, false); }},
                               {u"update"_s, u"change the listing or prices"_s,
                                [](CommandContext &c) { return runRegisterOrUpdate(c, true); }},
                               {u"show"_s, u"show a provider's listing"_s, runShow},
                               {u"list"_s, u"list registered providers"_s, runList}});
}

} // namespace berth::cli
