// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IDataNFT} from "./IDataNFT.sol";
import {IDataNFTFactory} from "./IDataNFTFactory.sol";
import {IDatatoken} from "./IDatatoken.sol";
import {IDispenser} from "./IDispenser.sol";
import {IFixedRateExchange} from "./IFixedRateExchange.sol";

/// @title DataNFTFactory
/// @notice See IDataNFTFactory. Templates are deployed separately (passing their code here would
///         push this contract past the 24 KiB limit).
contract DataNFTFactory is IDataNFTFactory, Ownable {
    /// Ocean's FactoryRouter fees: 0.1% for the approved token, 0.2% for any other base token.
    uint256 private constant NOOS_SWAP_FEE = 1e15;
    uint256 private constant OTHER_SWAP_FEE = 2e15;

    address private immutable _noos;
    address private immutable _nftTemplate;
    address private immutable _dtTemplate;
    address private _exchange;
    address private _dispenser;
    address private _feeCollector;
    address[] private _nfts;
    mapping(address => bool) private _isNft;
    mapping(address => bool) private _isDt;
    mapping(bytes32 did => address nft) private _byDid;

    constructor(address owner_, address noos_, address nftTemplate_, address dtTemplate_, address feeCollector_)
        Ownable(owner_)
    {
        if (noos_ == address(0)) revert DataFactoryZeroAddress("noos");
        if (nftTemplate_ == address(0)) revert DataFactoryZeroAddress("nftTemplate");
        if (dtTemplate_ == address(0)) revert DataFactoryZeroAddress("datatokenTemplate");
        if (feeCollector_ == address(0)) revert DataFactoryZeroAddress("protocolFeeCollector");
        _noos = noos_;
        _nftTemplate = nftTemplate_;
        _dtTemplate = dtTemplate_;
        _feeCollector = feeCollector_;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDataNFTFactory
    function noos() external view returns (address) {
        return _noos;
    }

    /// @inheritdoc IDataNFTFactory
    function nftTemplate() external view returns (address) {
        return _nftTemplate;
    }

    /// @inheritdoc IDataNFTFactory
    function datatokenTemplate() external view returns (address) {
        return _dtTemplate;
    }

    /// @inheritdoc IDataNFTFactory
    function exchange() external view returns (address) {
        return _exchange;
    }

    /// @inheritdoc IDataNFTFactory
    function dispenser() external view returns (address) {
        return _dispenser;
    }

    /// @inheritdoc IDataNFTFactory
    function protocolFeeCollector() external view returns (address) {
        return _feeCollector;
    }

    /// @inheritdoc IDataNFTFactory
    function protocolSwapFee(address baseToken) external view returns (uint256) {
        return baseToken == _noos ? NOOS_SWAP_FEE : OTHER_SWAP_FEE;
    }

    /// @inheritdoc IDataNFTFactory
    function isDataNFT(address nft) external view returns (bool) {
        return _isNft[nft];
    }

    /// @inheritdoc IDataNFTFactory
    function isDatatoken(address datatoken) external view returns (bool) {
        return _isDt[datatoken];
    }

    /// @inheritdoc IDataNFTFactory
    function nftOf(bytes32 did) external view returns (address) {
        return _byDid[did];
    }

    /// @inheritdoc IDataNFTFactory
    function didOf(address nft) public view returns (bytes32) {
        return sha256(bytes(string.concat(Strings.toChecksumHexString(nft), Strings.toString(block.chainid))));
    }

    /// @inheritdoc IDataNFTFactory
    function nftCount() external view returns (uint256) {
        return _nfts.length;
    }

    /// @inheritdoc IDataNFTFactory
    function nftAt(uint256 index) external view returns (address) {
        return _nfts[index];
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IDataNFTFactory
    function setPricingContracts(address exchange_, address dispenser_) external {
        if (msg.sender != owner()) revert DataFactoryNotOwner(msg.sender);
        if (_exchange != address(0)) revert DataFactoryPricingAlreadySet();
        if (exchange_ == address(0)) revert DataFactoryZeroAddress("exchange");
        if (dispenser_ == address(0)) revert DataFactoryZeroAddress("dispenser");
        _exchange = exchange_;
        _dispenser = dispenser_;
        emit PricingContractsSet(exchange_, dispenser_);
    }

    /// @inheritdoc IDataNFTFactory
    function setProtocolFeeCollector(address collector) external {
        if (msg.sender != owner()) revert DataFactoryNotOwner(msg.sender);
        if (collector == address(0)) revert DataFactoryZeroAddress("protocolFeeCollector");
        emit ProtocolFeeCollectorUpdated(_feeCollector, collector);
        _feeCollector = collector;
    }

    // ---------------------------------------------------------------- creation

    /// @inheritdoc IDataNFTFactory
    function createNft(NftParams calldata p) external returns (address nft, bytes32 did) {
        (nft, did) = _createNft(p);
        IDataNFT(nft).closeFactorySetup();
    }

    /// @inheritdoc IDataNFTFactory
    function createDataAsset(
        NftParams calldata nftParams,
        IDatatoken.DatatokenParams calldata dtParams,
        IDataNFT.MetadataParams calldata metadata,
        bytes32[] calldata allowedAlgorithms,
        PricingParams calldata pricing
    ) external returns (address nft, address datatoken, bytes32 did, bytes32 exchangeId) {
        (nft, did) = _createNft(nftParams);
        address[] memory extra = new address[](pricing.kind == PricingKind.None ? 0 : 1);
        if (pricing.kind == PricingKind.FixedRate) {
            if (_exchange == address(0)) revert DataFactoryPricingNotSet();
            extra[0] = _exchange;
        } else if (pricing.kind == PricingKind.Free) {
            if (_dispenser == address(0)) revert DataFactoryPricingNotSet();
            extra[0] = _dispenser;
        }
        datatoken = _deployDatatoken(nft, dtParams, extra);
        IDataNFT(nft).setMetadata(metadata);
        if (allowedAlgorithms.length != 0) IDataNFT(nft).setAlgorithmsAllowed(allowedAlgorithms, true);
        if (pricing.kind == PricingKind.FixedRate) {
            exchangeId = IFixedRateExchange(_exchange).createExchange(
                datatoken,
                pricing.baseToken,
                pricing.rate,
                pricing.marketFee,
                pricing.marketFeeCollector,
                true,
                address(0)
            );
        } else if (pricing.kind == PricingKind.Free) {
            IDispenser(_dispenser).create(datatoken, pricing.maxTokens, pricing.maxBalance, address(0));
        }
        IDataNFT(nft).closeFactorySetup();
    }

    /// @inheritdoc IDataNFTFactory
    function deployDatatoken(IDatatoken.DatatokenParams calldata p, address[] calldata extraMinters)
        external
        returns (address datatoken)
    {
        if (!_isNft[msg.sender]) revert DataFactoryNotDataNFT(msg.sender);
        datatoken = _deployDatatoken(msg.sender, p, extraMinters);
    }

    function _createNft(NftParams calldata p) private returns (address nft, bytes32 did) {
        if (p.owner == address(0)) revert DataFactoryZeroAddress("owner");
        nft = Clones.clone(_nftTemplate);
        did = didOf(nft);
        _nfts.push(nft);
        _isNft[nft] = true;
        _byDid[did] = nft;
        IDataNFT(nft).initialize(p.owner, p.name, p.symbol, p.tokenURI, p.transferable, address(this), did);
        emit DataNFTCreated(nft, did, p.owner, p.name, p.symbol);
    }

    function _deployDatatoken(address nft, IDatatoken.DatatokenParams calldata p, address[] memory extraMinters)
        private
        returns (address datatoken)
    {
        datatoken = Clones.clone(_dtTemplate);
        _isDt[datatoken] = true;
        IDatatoken(datatoken).initialize(nft, p, extraMinters);
        IDataNFT(nft).registerDatatoken(datatoken);
        emit DatatokenCreated(datatoken, nft, p.name, p.symbol, p.cap == 0 ? type(uint256).max : p.cap);
    }
}
