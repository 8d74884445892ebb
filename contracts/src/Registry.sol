// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title Registry — Berth's on-chain directory of providers
/// @notice A provider lists itself here: the endpoint publishers connect to, the regions
///         it serves, free-form attributes, a capacity summary, the hash of its X25519
///         encryption key, and a price table for every ERC-20 token it accepts. Anyone can
///         list themselves (permissionless, no owner); only the listing's own address can
///         change or remove it. View functions answer queries directly (a paginated
///         provider list); every change emits an event for indexers.
/// @dev No funds are ever held: no function is payable, and the contract makes no external
///      calls. Every per-listing collection is bounded (see the MAX_* constants), so each
///      listing costs bounded gas to write, read and delete. The provider list uses
///      swap-and-pop removal, so its order changes when a provider deregisters.
///      Prices here are advertised, not binding: the rate a publisher pays is the one in the
///      provider's signed quote that Escrow checks.
contract Registry {
    // ---------------------------------------------------------------- limits

    /// @notice Maximum length of the endpoint URL, in bytes.
    uint256 public constant MAX_ENDPOINT_LENGTH = 256;
    /// @notice Maximum number of regions in a listing.
    uint256 public constant MAX_REGIONS = 16;
    /// @notice Maximum length of one region name, in bytes.
    uint256 public constant MAX_REGION_LENGTH = 32;
    /// @notice Maximum number of attributes in a listing.
    uint256 public constant MAX_ATTRIBUTES = 16;
    /// @notice Maximum length of an attribute key, in bytes.
    uint256 public constant MAX_ATTRIBUTE_KEY_LENGTH = 32;
    /// @notice Maximum length of an attribute value, in bytes.
    uint256 public constant MAX_ATTRIBUTE_VALUE_LENGTH = 128;
    /// @notice Maximum number of tokens a provider can price at the same time.
    uint256 public constant MAX_TOKENS = 16;
    /// @notice Maximum number of providers returned by one `providersPage` call.
    uint256 public constant MAX_PAGE_SIZE = 100;

    // ---------------------------------------------------------------- types

    /// @notice One free-form key/value attribute, e.g. ("cpu.model", "AMD EPYC 9354").
    struct Attribute {
        string key;
        string value;
    }

    /// @notice What a provider offers in total (a summary, not a reservation).
    struct Capacity {
        uint64 cpuMillis; // CPU in millicores (1000 = one core)
        uint64 memoryBytes; // memory in bytes
        uint64 storageBytes; // storage in bytes
        uint64 gpuCount; // number of GPUs
    }

    /// @notice Prices for one token, each in the token's base units per second scaled by
    ///         1e18 (18 extra decimals). Per core-hour: cpuCorePerSecond * 3600 / 1e18
    ///         base units.
    struct Prices {
        uint128 cpuCorePerSecond; // one CPU core (1000 millicores)
        uint128 memoryGiBPerSecond; // one GiB (2^30 bytes) of memory
        uint128 storageGiBPerSecond; // one GiB (2^30 bytes) of storage
        uint128 gpuUnitPerSecond; // one GPU
        uint128 egressGiBPerSecond; // 1 GiB/s of egress for one second = one GiB sent
    }

    /// @notice The part of a listing a provider writes with `register` and `update`.
    struct Profile {
        string endpoint; // e.g. "https://berth.example.net:8443"; 1..MAX_ENDPOINT_LENGTH bytes
        string[] regions; // 0..MAX_REGIONS names, each 1..MAX_REGION_LENGTH bytes, unique
        Attribute[] attributes; // 0..MAX_ATTRIBUTES, keys 1..32 bytes and unique
        Capacity capacity;
        bytes32 encryptionKeyHash; // hash of the provider's X25519 public key; never zero
    }

    /// @notice A stored listing as returned by `getListing`.
    struct Listing {
        Profile profile;
        uint64 registeredAt; // block timestamp of `register`
        uint64 updatedAt; // block timestamp of the last change (profile, capacity or pricing)
    }

    // ---------------------------------------------------------------- storage

    mapping(address provider => Listing) private _listings;
    address[] private _providers;
    /// @dev Position in `_providers` plus one; zero means not registered.
    mapping(address provider => uint256) private _providerSlot;

    mapping(address provider => mapping(address token => Prices)) private _prices;
    mapping(address provider => address[]) private _tokens;
    /// @dev Position in `_tokens[provider]` plus one; zero means the token is not priced.
    mapping(address provider => mapping(address token => uint256)) private _tokenSlot;

    // ---------------------------------------------------------------- events

    /// @notice `provider` registered with `profile`.
    event Registered(address indexed provider, Profile profile);
    /// @notice `provider` replaced its profile with `profile`.
    event Updated(address indexed provider, Profile profile);
    /// @notice `provider` changed only its capacity summary to `capacity`.
    event CapacitySet(address indexed provider, Capacity capacity);
    /// @notice `provider` now accepts `token` at `prices` (added or replaced).
    event PricingSet(address indexed provider, address indexed token, Prices prices);
    /// @notice `provider` no longer accepts `token`.
    event PricingRemoved(address indexed provider, address indexed token);
    /// @notice `provider` removed its listing and all its prices.
    event Deregistered(address indexed provider);

    // ---------------------------------------------------------------- errors

    /// @notice `provider` has no listing.
    error NotRegistered(address provider);
    /// @notice `provider` already has a listing; use `update`.
    error AlreadyRegistered(address provider);
    /// @notice The endpoint URL is empty.
    error EmptyEndpoint();
    /// @notice The endpoint URL is `length` bytes, over the limit `max`.
    error EndpointTooLong(uint256 length, uint256 max);
    /// @notice The listing has `count` regions, over the limit `max`.
    error TooManyRegions(uint256 count, uint256 max);
    /// @notice Region number `index` is empty.
    error EmptyRegion(uint256 index);
    /// @notice Region number `index` is `length` bytes, over the limit `max`.
    error RegionTooLong(uint256 index, uint256 length, uint256 max);
    /// @notice Region number `index` repeats an earlier region.
    error DuplicateRegion(uint256 index);
    /// @notice The listing has `count` attributes, over the limit `max`.
    error TooManyAttributes(uint256 count, uint256 max);
    /// @notice Attribute number `index` has an empty key.
    error EmptyAttributeKey(uint256 index);
    /// @notice Attribute number `index` has a key of `length` bytes, over the limit `max`.
    error AttributeKeyTooLong(uint256 index, uint256 length, uint256 max);
    /// @notice Attribute number `index` has a value of `length` bytes, over the limit `max`.
    error AttributeValueTooLong(uint256 index, uint256 length, uint256 max);
    /// @notice Attribute number `index` repeats an earlier attribute's key.
    error DuplicateAttributeKey(uint256 index);
    /// @notice The encryption key hash is zero.
    error ZeroEncryptionKeyHash();
    /// @notice The token is the zero address.
    error ZeroAddressToken();
    /// @notice `token` has no code, so it cannot be an ERC-20 contract.
    error TokenNotAContract(address token);
    /// @notice The provider already prices `max` tokens; remove one first.
    error TooManyTokens(uint256 max);
    /// @notice `provider` has no prices for `token`.
    error PricingNotSet(address provider, address token);

    // ---------------------------------------------------------------- modifiers

    modifier onlyRegistered() {
        if (_providerSlot[msg.sender] == 0) revert NotRegistered(msg.sender);
        _;
    }

    // ---------------------------------------------------------------- writes

    /// @notice Lists the caller as a provider with `profile` and no prices yet (add them
    ///         with `setPricing`).
    /// @dev Reverts AlreadyRegistered if the caller is listed, or one of the profile
    ///      validation errors (EmptyEndpoint, EndpointTooLong, TooManyRegions, ...).
    ///      Emits Registered.
    /// @param profile Endpoint, regions, attributes, capacity and encryption key hash.
    function register(Profile calldata profile) external {
        if (_providerSlot[msg.sender] != 0) revert AlreadyRegistered(msg.sender);
        _validate(profile);
        _providers.push(msg.sender);
        _providerSlot[msg.sender] = _providers.length;
        Listing storage listing = _listings[msg.sender];
        _store(listing.profile, profile);
        listing.registeredAt = uint64(block.timestamp);
        listing.updatedAt = uint64(block.timestamp);
        emit Registered(msg.sender, profile);
    }

    /// @notice Replaces the caller's whole profile (endpoint, regions, attributes, capacity,
    ///         encryption key hash) with `profile`. Prices are unchanged.
    /// @dev Reverts NotRegistered if the caller has no listing, or a profile validation
    ///      error. Emits Updated.
    /// @param profile The new profile.
    function update(Profile calldata profile) external onlyRegistered {
        _validate(profile);
        Listing storage listing = _listings[msg.sender];
        _store(listing.profile, profile);
        listing.updatedAt = uint64(block.timestamp);
        emit Updated(msg.sender, profile);
    }

    /// @notice Replaces only the caller's capacity summary: the cheap update a provider
    ///         makes as its free capacity changes.
    /// @dev Reverts NotRegistered if the caller has no listing. Emits CapacitySet.
    /// @param capacity The new capacity summary.
    function setCapacity(Capacity calldata capacity) external onlyRegistered {
        Listing storage listing = _listings[msg.sender];
        listing.profile.capacity = capacity;
        listing.updatedAt = uint64(block.timestamp);
        emit CapacitySet(msg.sender, capacity);
    }

    /// @notice Sets the caller's prices for `token`, adding the token to its accepted
    ///         tokens if it is new. All-zero prices are allowed (a free offering).
    /// @dev Reverts NotRegistered, ZeroAddressToken, TokenNotAContract, or TooManyTokens
    ///      when adding a token beyond MAX_TOKENS. Emits PricingSet.
    /// @param token The ERC-20 token the prices are in.
    /// @param prices Prices in the token's base units per second, scaled by 1e18.
    function setPricing(address token, Prices calldata prices) external onlyRegistered {
        if (token == address(0)) revert ZeroAddressToken();
        if (token.code.length == 0) revert TokenNotAContract(token);
        if (_tokenSlot[msg.sender][token] == 0) {
            address[] storage tokens = _tokens[msg.sender];
            if (tokens.length >= MAX_TOKENS) revert TooManyTokens(MAX_TOKENS);
            tokens.push(token);
            _tokenSlot[msg.sender][token] = tokens.length;
        }
        _prices[msg.sender][token] = prices;
        _listings[msg.sender].updatedAt = uint64(block.timestamp);
        emit PricingSet(msg.sender, token, prices);
    }

    /// @notice Stops accepting `token`: removes the caller's prices for it.
    /// @dev Reverts NotRegistered, or PricingNotSet if the caller has no prices for `token`.
    ///      The order of `acceptedTokens` changes (swap-and-pop). Emits PricingRemoved.
    /// @param token The token to remove.
    function removePricing(address token) external onlyRegistered {
        if (_tokenSlot[msg.sender][token] == 0) revert PricingNotSet(msg.sender, token);
        _removeToken(msg.sender, token);
        _listings[msg.sender].updatedAt = uint64(block.timestamp);
        emit PricingRemoved(msg.sender, token);
    }

    /// @notice Removes the caller's listing and all its prices. The caller can register
    ///         again later.
    /// @dev Reverts NotRegistered. Emits PricingRemoved for every accepted token, then
    ///      Deregistered. The provider list order changes (swap-and-pop). Gas is bounded
    ///      by the MAX_* limits.
    function deregister() external onlyRegistered {
        address[] storage tokens = _tokens[msg.sender];
        while (tokens.length > 0) {
            address token = tokens[tokens.length - 1];
            _removeToken(msg.sender, token);
            emit PricingRemoved(msg.sender, token);
        }

        uint256 slot = _providerSlot[msg.sender];
        uint256 last = _providers.length;
        if (slot != last) {
            address moved = _providers[last - 1];
            _providers[slot - 1] = moved;
            _providerSlot[moved] = slot;
        }
        _providers.pop();
        delete _providerSlot[msg.sender];
        delete _listings[msg.sender];
        emit Deregistered(msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @notice Whether `provider` has a listing.
    /// @param provider The address to look up.
    /// @return True if `provider` is registered.
    function isRegistered(address provider) external view returns (bool) {
        return _providerSlot[provider] != 0;
    }

    /// @notice The listing of `provider`.
    /// @dev Reverts NotRegistered if `provider` has no listing.
    /// @param provider The provider to look up.
    /// @return The profile and its registration and last-change timestamps.
    function getListing(address provider) external view returns (Listing memory) {
        if (_providerSlot[provider] == 0) revert NotRegistered(provider);
        return _listings[provider];
    }

    /// @notice The prices `provider` asks in `token`.
    /// @dev Never reverts: an unregistered provider or unpriced token gives (false, zeros).
    /// @param provider The provider to look up.
    /// @param token The token to look up.
    /// @return accepted Whether `provider` accepts `token`.
    /// @return prices The prices (all zero when not accepted).
    function getPricing(address provider, address token) external view returns (bool accepted, Prices memory prices) {
        accepted = _tokenSlot[provider][token] != 0;
        prices = _prices[provider][token];
    }

    /// @notice The tokens `provider` accepts, in storage order (at most MAX_TOKENS).
    /// @param provider The provider to look up.
    /// @return The token addresses; empty for an unregistered provider.
    function acceptedTokens(address provider) external view returns (address[] memory) {
        return _tokens[provider];
    }

    /// @notice The number of registered providers.
    /// @return The length of the provider list.
    function providerCount() external view returns (uint256) {
        return _providers.length;
    }

    /// @notice Up to `limit` providers starting at position `offset` of the provider list.
    /// @dev `limit` is capped at MAX_PAGE_SIZE; an `offset` at or past the end gives an empty
    ///      page. The order changes when a provider deregisters (swap-and-pop), so read all
    ///      pages at the same block to get a consistent snapshot.
    /// @param offset The position of the first provider returned.
    /// @param limit The maximum number of providers returned (capped at MAX_PAGE_SIZE).
    /// @return page The provider addresses.
    /// @return total The number of registered providers (`providerCount()`).
    function providersPage(uint256 offset, uint256 limit)
        external
        view
        returns (address[] memory page, uint256 total)
    {
        total = _providers.length;
        if (limit > MAX_PAGE_SIZE) limit = MAX_PAGE_SIZE;
        uint256 n = offset >= total ? 0 : total - offset;
        if (n > limit) n = limit;
        page = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            page[i] = _providers[offset + i];
        }
    }

    // ---------------------------------------------------------------- internals

    function _validate(Profile calldata profile) private pure {
        uint256 len = bytes(profile.endpoint).length;
        if (len == 0) revert EmptyEndpoint();
        if (len > MAX_ENDPOINT_LENGTH) revert EndpointTooLong(len, MAX_ENDPOINT_LENGTH);

        string[] calldata regions = profile.regions;
        if (regions.length > MAX_REGIONS) revert TooManyRegions(regions.length, MAX_REGIONS);
        for (uint256 i = 0; i < regions.length; ++i) {
            len = bytes(regions[i]).length;
            if (len == 0) revert EmptyRegion(i);
            if (len > MAX_REGION_LENGTH) revert RegionTooLong(i, len, MAX_REGION_LENGTH);
            bytes32 h = keccak256(bytes(regions[i]));
            for (uint256 j = 0; j < i; ++j) {
                if (keccak256(bytes(regions[j])) == h) revert DuplicateRegion(i);
            }
        }

        Attribute[] calldata attributes = profile.attributes;
        if (attributes.length > MAX_ATTRIBUTES) revert TooManyAttributes(attributes.length, MAX_ATTRIBUTES);
        for (uint256 i = 0; i < attributes.length; ++i) {
            len = bytes(attributes[i].key).length;
            if (len == 0) revert EmptyAttributeKey(i);
            if (len > MAX_ATTRIBUTE_KEY_LENGTH) revert AttributeKeyTooLong(i, len, MAX_ATTRIBUTE_KEY_LENGTH);
            len = bytes(attributes[i].value).length;
            if (len > MAX_ATTRIBUTE_VALUE_LENGTH) {
                revert AttributeValueTooLong(i, len, MAX_ATTRIBUTE_VALUE_LENGTH);
            }
            bytes32 h = keccak256(bytes(attributes[i].key));
            for (uint256 j = 0; j < i; ++j) {
                if (keccak256(bytes(attributes[j].key)) == h) revert DuplicateAttributeKey(i);
            }
        }

        if (profile.encryptionKeyHash == bytes32(0)) revert ZeroEncryptionKeyHash();
    }

    function _store(Profile storage dst, Profile calldata src) private {
        dst.endpoint = src.endpoint;
        delete dst.regions;
        for (uint256 i = 0; i < src.regions.length; ++i) {
            dst.regions.push(src.regions[i]);
        }
        delete dst.attributes;
        for (uint256 i = 0; i < src.attributes.length; ++i) {
            dst.attributes.push(src.attributes[i]);
        }
        dst.capacity = src.capacity;
        dst.encryptionKeyHash = src.encryptionKeyHash;
    }

    function _removeToken(address provider, address token) private {
        address[] storage tokens = _tokens[provider];
        uint256 slot = _tokenSlot[provider][token];
        uint256 last = tokens.length;
        if (slot != last) {
            address moved = tokens[last - 1];
            tokens[slot - 1] = moved;
            _tokenSlot[provider][moved] = slot;
        }
        tokens.pop();
        delete _tokenSlot[provider][token];
        delete _prices[provider][token];
    }
}
