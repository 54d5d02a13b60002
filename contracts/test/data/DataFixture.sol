// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {DataNFT} from "../../src/data/DataNFT.sol";
import {DataNFTFactory} from "../../src/data/DataNFTFactory.sol";
import {Datatoken} from "../../src/data/Datatoken.sol";
import {Dispenser} from "../../src/data/Dispenser.sol";
import {FixedRateExchange} from "../../src/data/FixedRateExchange.sol";
import {IDataNFT} from "../../src/data/IDataNFT.sol";
import {IDataNFTFactory} from "../../src/data/IDataNFTFactory.sol";
import {IDatatoken} from "../../src/data/IDatatoken.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice The data-asset contracts on NOOS, a publisher, a buyer, a provider with a signing key,
///         a publish market and a consume market.
abstract contract DataFixture is Test {
    DataNFTFactory internal factory;
    FixedRateExchange internal exchange;
    Dispenser internal dispenser;
    NoosToken internal noos;
    address internal publisher = makeAddr("publisher");
    address internal buyer = makeAddr("buyer");
    address internal treasury = makeAddr("treasury");
    address internal publishMarket = makeAddr("publishMarket");
    address internal consumeMarket = makeAddr("consumeMarket");
    address internal provider;
    uint256 internal providerKey;

    bytes32 internal constant ALGO = keccak256("algorithm");
    uint256 internal constant RATE = 2 ether; // 2 NOOS per datatoken

    function setUp() public virtual {
        (provider, providerKey) = makeAddrAndKey("provider");
        noos = new NoosToken(address(this), address(this), 1_000_000 ether);
        factory = new DataNFTFactory(
            address(this), address(noos), address(new DataNFT()), address(new Datatoken()), treasury
        );
        exchange = new FixedRateExchange(address(factory));
        dispenser = new Dispenser(address(factory));
        factory.setPricingContracts(address(exchange), address(dispenser));
        noos.transfer(buyer, 10_000 ether);
        noos.transfer(publisher, 10_000 ether);
        vm.prank(buyer);
        noos.approve(address(exchange), type(uint256).max);
    }

    function _nftParams() internal view returns (IDataNFTFactory.NftParams memory) {
        return IDataNFTFactory.NftParams("Digits", "DIG", "ipfs://nft", true, publisher);
    }

    function _dtParams(uint256 publishFee) internal view returns (IDatatoken.DatatokenParams memory) {
        return IDatatoken.DatatokenParams({
            name: "Digits access",
            symbol: "DIG-DT",
            cap: 0,
            minter: publisher,
            paymentCollector: address(0),
            publishMarketFeeAddress: publishFee == 0 ? address(0) : publishMarket,
            publishMarketFeeToken: publishFee == 0 ? address(0) : address(noos),
            publishMarketFeeAmount: publishFee
        });
    }

    function _metadata() internal view returns (IDataNFT.MetadataParams memory) {
        return IDataNFT.MetadataParams({
            state: 0,
            decryptorUrl: "http://provider",
            decryptorAddress: provider,
            metadataCid: "bafyddo",
            metadataHash: bytes32(uint256(0xdd0)), // not sha256(): a precompile call would be the "next call" of expectRevert
            computeOnly: true,
            metricsOnly: false
        });
    }

    function _pricing(IDataNFTFactory.PricingKind kind, uint256 marketFee)
        internal
        view
        returns (IDataNFTFactory.PricingParams memory)
    {
        return IDataNFTFactory.PricingParams({
            kind: kind,
            baseToken: address(noos),
            rate: RATE,
            marketFee: marketFee,
            marketFeeCollector: marketFee == 0 ? address(0) : publishMarket,
            maxTokens: 1 ether,
            maxBalance: 1 ether
        });
    }

    function _algos() internal pure returns (bytes32[] memory a) {
        a = new bytes32[](1);
        a[0] = ALGO;
    }

    address internal _lastNft;
    address internal _lastDt;
    bytes32 private _lastDid;
    bytes32 private _lastEx;

    /// Creates through the factory as the publisher; results go to storage (keeps the stack shallow).
    function _create(IDatatoken.DatatokenParams memory dtp, IDataNFTFactory.PricingParams memory pricing) internal {
        IDataNFTFactory.NftParams memory np = _nftParams();
        IDataNFT.MetadataParams memory md = _metadata();
        bytes32[] memory algos = _algos();
        vm.prank(publisher);
        (_lastNft, _lastDt, _lastDid, _lastEx) = factory.createDataAsset(np, dtp, md, algos, pricing);
    }

    /// Publishes a fixed-rate asset (publish fee `publishFee` per order, market swap fee `marketFee`).
    function _publish(uint256 publishFee, uint256 marketFee)
        internal
        returns (DataNFT nft, Datatoken dt, bytes32 did, bytes32 exId)
    {
        _create(_dtParams(publishFee), _pricing(IDataNFTFactory.PricingKind.FixedRate, marketFee));
        return (DataNFT(_lastNft), Datatoken(_lastDt), _lastDid, _lastEx);
    }

    function _publishFree() internal returns (DataNFT nft, Datatoken dt) {
        _create(_dtParams(0), _pricing(IDataNFTFactory.PricingKind.Free, 0));
        return (DataNFT(_lastNft), Datatoken(_lastDt));
    }

    function _quote(Datatoken dt, address consumer, uint256 amount, uint64 validity)
        internal
        view
        returns (IDatatoken.ProviderFee memory f)
    {
        return _quoteBy(providerKey, dt, consumer, amount, validity, uint64(block.timestamp + 5 minutes), "env-1");
    }

    function _quoteBy(
        uint256 key,
        Datatoken dt,
        address consumer,
        uint256 amount,
        uint64 validity,
        uint64 deadline,
        bytes memory data
    ) internal view returns (IDatatoken.ProviderFee memory f) {
        f = IDatatoken.ProviderFee({
            providerFeeAddress: vm.addr(key),
            providerFeeToken: amount == 0 ? address(0) : address(noos),
            providerFeeAmount: amount,
            validity: validity,
            quoteDeadline: deadline,
            providerData: data,
            signature: ""
        });
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(dt.providerFeeDigest(consumer, 0, f));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        f.signature = abi.encodePacked(r, s, v);
    }

    function _noFee() internal pure returns (IDatatoken.Fee memory) {
        return IDatatoken.Fee(address(0), address(0), 0);
    }

    function _buy(bytes32 exId, uint256 amount) internal {
        vm.prank(buyer);
        exchange.buyDT(exId, amount, type(uint256).max, address(0), 0);
    }
}
