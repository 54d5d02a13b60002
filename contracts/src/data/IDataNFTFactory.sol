// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDataNFT} from "./IDataNFT.sol";
import {IDatatoken} from "./IDatatoken.sol";

/// @title IDataNFTFactory
/// @notice Creates data NFTs and their datatokens as EIP-1167 clones of two templates (Ocean v4's
///         ERC721Factory), maps each asset's DID to its NFT so the chain answers "which NFT is
///         did:noos:<hex>" without an indexer, and holds the protocol's fee settings for the
///         fixed-rate exchange.
///
///         DID rule (Ocean's did:op): `didHash = sha256(bytes(checksumHex(nft) ++ decimal(chainId)))`,
///         written `did:noos:<hex(didHash) without 0x>`.
///
///         `createDataAsset` does the whole publish in one transaction: NFT, datatoken, metadata,
///         allowed algorithms and the pricing (fixed-rate exchange or dispenser, both minters of
///         the datatoken so no supply is pre-minted).
interface IDataNFTFactory {
    /// @notice How a new asset is priced.
    enum PricingKind {
        None,
        FixedRate,
        Free
    }

    /// @notice NFT parameters.
    /// @param name ERC-721 name.
    /// @param symbol ERC-721 symbol.
    /// @param tokenURI URI of token 1.
    /// @param transferable Whether token 1 may ever change owner.
    /// @param owner Receives token 1 and the manager role.
    struct NftParams {
        string name;
        string symbol;
        string tokenURI;
        bool transferable;
        address owner;
    }

    /// @notice Pricing of a new asset's datatoken.
    /// @param kind None, FixedRate (exchange) or Free (dispenser).
    /// @param baseToken FixedRate: the ERC-20 buyers pay in (NOOS or another ERC-20).
    /// @param rate FixedRate: base-token units (18-decimal fixed point) per datatoken.
    /// @param marketFee FixedRate: publish-market swap fee, 1e18 = 100% (0 or within [MIN_FEE, MAX_FEE]).
    /// @param marketFeeCollector FixedRate: receives the publish-market swap fee.
    /// @param maxTokens Free: most datatokens one dispense may hand out.
    /// @param maxBalance Free: a dispense is refused once the destination holds this much.
    struct PricingParams {
        PricingKind kind;
        address baseToken;
        uint256 rate;
        uint256 marketFee;
        address marketFeeCollector;
        uint256 maxTokens;
        uint256 maxBalance;
    }

    /// @notice A DataNFT was cloned; `did` is its DID hash.
    event DataNFTCreated(address indexed nft, bytes32 indexed did, address indexed owner, string name, string symbol);
    /// @notice A datatoken was cloned under `nft`.
    event DatatokenCreated(address indexed datatoken, address indexed nft, string name, string symbol, uint256 cap);
    /// @notice The exchange and dispenser were set (once).
    event PricingContractsSet(address exchange, address dispenser);
    /// @notice The protocol fee collector changed.
    event ProtocolFeeCollectorUpdated(address indexed oldCollector, address indexed newCollector);

    /// @notice An address parameter is zero (`field` names it).
    error DataFactoryZeroAddress(bytes32 field);
    /// @notice `caller` is not one of this factory's data NFTs.
    error DataFactoryNotDataNFT(address caller);
    /// @notice `caller` is not the owner.
    error DataFactoryNotOwner(address caller);
    /// @notice The pricing contracts were already set.
    error DataFactoryPricingAlreadySet();
    /// @notice The pricing contracts are not set yet (`createDataAsset` with pricing).
    error DataFactoryPricingNotSet();
    /// @notice `PricingParams.kind` is out of range.
    error DataFactoryBadPricingKind(uint8 kind);

    /// @notice The NOOS token (the exchange's lower protocol fee applies to it).
    function noos() external view returns (address);
    /// @notice Template cloned for each data NFT.
    function nftTemplate() external view returns (address);
    /// @notice Template cloned for each datatoken.
    function datatokenTemplate() external view returns (address);
    /// @notice The fixed-rate exchange (zero until set).
    function exchange() external view returns (address);
    /// @notice The dispenser (zero until set).
    function dispenser() external view returns (address);
    /// @notice Receives the protocol's swap fees.
    function protocolFeeCollector() external view returns (address);
    /// @notice Protocol swap fee for `baseToken`, 1e18 = 100%: 0.1% for NOOS, 0.2% for others (Ocean).
    function protocolSwapFee(address baseToken) external view returns (uint256);

    /// @notice Whether `nft` was created here.
    function isDataNFT(address nft) external view returns (bool);
    /// @notice Whether `datatoken` was created here (under one of this factory's NFTs).
    function isDatatoken(address datatoken) external view returns (bool);
    /// @notice The NFT whose DID hash is `did` (zero if none).
    function nftOf(bytes32 did) external view returns (address);
    /// @notice The DID hash of `nft` per the rule above (computed; any address).
    function didOf(address nft) external view returns (bytes32);
    /// @notice Number of NFTs created.
    function nftCount() external view returns (uint256);
    /// @notice The `index`-th NFT created.
    function nftAt(uint256 index) external view returns (address);

    /// @notice Sets the exchange and dispenser once. Only the owner.
    function setPricingContracts(address exchange_, address dispenser_) external;
    /// @notice Sets who receives protocol swap fees. Only the owner.
    function setProtocolFeeCollector(address collector) external;

    /// @notice Clones a data NFT, mints token 1 to `p.owner`, who becomes manager, deployer and
    ///         metadata updater. Returns the NFT and its DID hash.
    function createNft(NftParams calldata p) external returns (address nft, bytes32 did);

    /// @notice Publishes in one transaction: NFT (to `nftParams.owner`), one datatoken, metadata,
    ///         allowed algorithms and pricing. The exchange or dispenser becomes a datatoken
    ///         minter; the exchange is owned by the NFT's owner side.
    /// @return nft The data NFT.
    /// @return datatoken Its datatoken.
    /// @return did The DID hash.
    /// @return exchangeId The fixed-rate exchange id (zero unless FixedRate).
    function createDataAsset(
        NftParams calldata nftParams,
        IDatatoken.DatatokenParams calldata dtParams,
        IDataNFT.MetadataParams calldata metadata,
        bytes32[] calldata allowedAlgorithms,
        PricingParams calldata pricing
    ) external returns (address nft, address datatoken, bytes32 did, bytes32 exchangeId);

    /// @notice Clones a datatoken for the calling NFT. Only this factory's NFTs.
    function deployDatatoken(IDatatoken.DatatokenParams calldata p, address[] calldata extraMinters)
        external
        returns (address datatoken);
}
