// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {DataNFT} from "../../src/data/DataNFT.sol";
import {DataNFTFactory} from "../../src/data/DataNFTFactory.sol";
import {Datatoken} from "../../src/data/Datatoken.sol";
import {IDataNFT} from "../../src/data/IDataNFT.sol";
import {IDataNFTFactory} from "../../src/data/IDataNFTFactory.sol";
import {IDatatoken} from "../../src/data/IDatatoken.sol";
import {IDispenser} from "../../src/data/IDispenser.sol";
import {IFixedRateExchange} from "../../src/data/IFixedRateExchange.sol";
import {DataFixture} from "./DataFixture.sol";

contract DataNFTFactoryTest is DataFixture {
    // ---------------------------------------------------------------- factory

    function test_createDataAsset_publishesEverythingInOneTx() public {
        (DataNFT nft, Datatoken dt, bytes32 did, bytes32 exId) = _publish(0, 0);
        assertEq(nft.ownerOf(1), publisher);
        assertEq(nft.name(), "Digits");
        assertEq(nft.tokenURI(1), "ipfs://nft");
        assertEq(factory.nftOf(did), address(nft));
        assertEq(nft.did(), did);
        assertEq(factory.nftCount(), 1);
        assertEq(factory.nftAt(0), address(nft));
        assertTrue(factory.isDataNFT(address(nft)));
        assertTrue(factory.isDatatoken(address(dt)));
        assertEq(dt.nft(), address(nft));
        assertEq(dt.name(), "Digits access");
        assertEq(dt.totalSupply(), 0, "nothing pre-minted");
        assertTrue(dt.isMinter(address(exchange)));
        assertEq(nft.getDatatokens()[0], address(dt));
        IDataNFT.Metadata memory m = nft.getMetadata();
        assertEq(m.metadataCid, "bafyddo");
        assertEq(m.decryptorAddress, provider);
        assertTrue(m.computeOnly);
        assertEq(m.createdAt, block.timestamp);
        assertTrue(nft.isAlgorithmAllowed(ALGO));
        assertEq(exId, exchange.exchangeId(address(noos), address(dt)));
        assertEq(exchange.getExchange(exId).fixedRate, RATE);
        assertEq(dt.paymentCollector(), publisher, "defaults to the NFT owner");
    }

    function test_didOf_isSha256OfChecksumAddressAndChainId() public {
        (DataNFT nft,, bytes32 did,) = _publish(0, 0);
        string memory s = string.concat(Strings.toChecksumHexString(address(nft)), vm.toString(block.chainid));
        assertEq(did, sha256(bytes(s)));
        // A fixed vector, the same as the SDK's didHashOf test.
        assertEq(
            factory.didOf(0x5FbDB2315678afecb367f032d93F642f64180aa3),
            sha256(bytes(string.concat("0x5FbDB2315678afecb367f032d93F642f64180aa3", vm.toString(block.chainid))))
        );
    }

    function test_createDataAsset_free_createsDispenser() public {
        (, Datatoken dt) = _publishFree();
        IDispenser.Status memory s = dispenser.status(address(dt));
        assertTrue(s.active);
        assertTrue(s.isMinter);
        assertEq(s.maxTokens, 1 ether);
    }

    function test_createDataAsset_revertsWhenPricingNotSet() public {
        DataNFTFactory f2 =
            new DataNFTFactory(address(this), address(noos), address(new DataNFT()), address(new Datatoken()), treasury);
        vm.expectRevert(IDataNFTFactory.DataFactoryPricingNotSet.selector);
        f2.createDataAsset(
            _nftParams(), _dtParams(0), _metadata(), _algos(), _pricing(IDataNFTFactory.PricingKind.FixedRate, 0)
        );
        vm.expectRevert(IDataNFTFactory.DataFactoryPricingNotSet.selector);
        f2.createDataAsset(_nftParams(), _dtParams(0), _metadata(), _algos(), _pricing(IDataNFTFactory.PricingKind.Free, 0));
    }

    function test_createDataAsset_revertsOnBadMetadata() public {
        IDataNFT.MetadataParams memory m = _metadata();
        m.decryptorAddress = address(0);
        vm.expectRevert(IDataNFT.DataNFTZeroDecryptor.selector);
        factory.createDataAsset(_nftParams(), _dtParams(0), m, _algos(), _pricing(IDataNFTFactory.PricingKind.None, 0));
    }

    function test_createNft_revertsOnZeroOwner() public {
        IDataNFTFactory.NftParams memory p = _nftParams();
        p.owner = address(0);
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryZeroAddress.selector, bytes32("owner")));
        factory.createNft(p);
    }

    function test_createNft_factoryKeepsNoRights() public {
        (address n,) = factory.createNft(_nftParams());
        vm.prank(address(factory));
        vm.expectRevert(
            abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.MetadataUpdater, address(factory))
        );
        DataNFT(n).setMetadata(_metadata());
    }

    function test_constructor_revertsOnZeroAddresses() public {
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryZeroAddress.selector, bytes32("noos")));
        new DataNFTFactory(address(this), address(0), address(1), address(1), treasury);
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryZeroAddress.selector, bytes32("protocolFeeCollector")));
        new DataNFTFactory(address(this), address(noos), address(1), address(1), address(0));
    }

    function test_setPricingContracts_revertsTwiceOrByOthersOrZero() public {
        vm.expectRevert(IDataNFTFactory.DataFactoryPricingAlreadySet.selector);
        factory.setPricingContracts(address(1), address(2));
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryNotOwner.selector, buyer));
        factory.setPricingContracts(address(1), address(2));
        DataNFTFactory f2 = new DataNFTFactory(address(this), address(noos), address(1), address(1), treasury);
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryZeroAddress.selector, bytes32("exchange")));
        f2.setPricingContracts(address(0), address(2));
    }

    function test_setProtocolFeeCollector_ownerOnlyNonZero() public {
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryNotOwner.selector, buyer));
        factory.setProtocolFeeCollector(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryZeroAddress.selector, bytes32("protocolFeeCollector")));
        factory.setProtocolFeeCollector(address(0));
        vm.expectEmit(address(factory));
        emit IDataNFTFactory.ProtocolFeeCollectorUpdated(treasury, buyer);
        factory.setProtocolFeeCollector(buyer);
        assertEq(factory.protocolFeeCollector(), buyer);
    }

    function test_deployDatatoken_revertsForNonNFT() public {
        vm.expectRevert(abi.encodeWithSelector(IDataNFTFactory.DataFactoryNotDataNFT.selector, address(this)));
        factory.deployDatatoken(_dtParams(0), new address[](0));
    }

    function test_protocolSwapFee_lowerForNoos() public view {
        assertEq(factory.protocolSwapFee(address(noos)), 1e15);
        assertEq(factory.protocolSwapFee(address(1)), 2e15);
    }

    // ---------------------------------------------------------------- NFT

    function test_initialize_revertsOnTemplateAndTwice() public {
        DataNFT tpl = DataNFT(factory.nftTemplate());
        vm.expectRevert(IDataNFT.DataNFTAlreadyInitialized.selector);
        tpl.initialize(buyer, "x", "x", "", true, buyer, bytes32(0));
        (DataNFT nft,,,) = _publish(0, 0);
        vm.expectRevert(IDataNFT.DataNFTAlreadyInitialized.selector);
        nft.initialize(buyer, "x", "x", "", true, buyer, bytes32(0));
        Datatoken dtTpl = Datatoken(factory.datatokenTemplate());
        vm.expectRevert(IDatatoken.DatatokenAlreadyInitialized.selector);
        dtTpl.initialize(address(nft), _dtParams(0), new address[](0));
    }

    function test_closeFactorySetup_and_registerDatatoken_onlyFactory() public {
        (DataNFT nft,,,) = _publish(0, 0);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.Manager, address(this)));
        nft.closeFactorySetup();
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.Deployer, address(this)));
        nft.registerDatatoken(address(1));
    }

    function test_roles_managerGrantsDeployerWhoCreatesDatatoken() public {
        (DataNFT nft,,,) = _publish(0, 0);
        address manager = makeAddr("manager");
        address deployer = makeAddr("deployer");
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTNotOwner.selector, buyer));
        nft.grantDataRole(IDataNFT.Role.Manager, manager);
        vm.prank(publisher);
        nft.grantDataRole(IDataNFT.Role.Manager, manager);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.Manager, buyer));
        nft.grantDataRole(IDataNFT.Role.Deployer, deployer);
        vm.prank(manager);
        nft.grantDataRole(IDataNFT.Role.Deployer, deployer);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.Deployer, buyer));
        nft.createDatatoken(_dtParams(0));
        vm.prank(deployer);
        address dt2 = nft.createDatatoken(_dtParams(0));
        assertEq(nft.getDatatokens()[1], dt2);
        assertTrue(factory.isDatatoken(dt2));
        vm.prank(manager);
        nft.revokeDataRole(IDataNFT.Role.Deployer, deployer);
        assertFalse(nft.hasDataRole(IDataNFT.Role.Deployer, deployer));
        vm.prank(manager);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTZeroAddress.selector, bytes32("account")));
        nft.grantDataRole(IDataNFT.Role.Deployer, address(0));
        vm.prank(manager);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTNotOwner.selector, manager));
        nft.revokeDataRole(IDataNFT.Role.Manager, manager);
    }

    function test_setMetadata_updatesAndChecks() public {
        (DataNFT nft,,,) = _publish(0, 0);
        IDataNFT.MetadataParams memory m = _metadata();
        m.metadataCid = "bafy2";
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.MetadataUpdater, buyer));
        nft.setMetadata(m);
        vm.warp(block.timestamp + 10);
        vm.expectEmit(address(nft));
        emit IDataNFT.MetadataUpdated(publisher, 0, m.decryptorUrl, provider, "bafy2", m.metadataHash);
        vm.prank(publisher);
        nft.setMetadata(m);
        assertEq(nft.getMetadata().updatedAt, nft.getMetadata().createdAt + 10);
        m.state = 6;
        vm.prank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTBadState.selector, 6));
        nft.setMetadata(m);
        m.state = 0;
        m.metadataHash = 0;
        vm.prank(publisher);
        vm.expectRevert(IDataNFT.DataNFTZeroMetadataHash.selector);
        nft.setMetadata(m);
    }

    function test_setMetadataState_checksRoleAndRange() public {
        (DataNFT nft,,,) = _publish(0, 0);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.MetadataUpdater, buyer));
        nft.setMetadataState(1);
        vm.prank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTBadState.selector, 9));
        nft.setMetadataState(9);
        vm.prank(publisher);
        nft.setMetadataState(4);
        assertEq(nft.getMetadata().state, 4);
    }

    function test_setAlgorithmsAllowed_addsRemovesAndChecksRole() public {
        (DataNFT nft,,,) = _publish(0, 0);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTMissingRole.selector, IDataNFT.Role.MetadataUpdater, buyer));
        nft.setAlgorithmsAllowed(_algos(), false);
        vm.prank(publisher);
        nft.setAlgorithmsAllowed(_algos(), false);
        assertFalse(nft.isAlgorithmAllowed(ALGO));
        assertEq(nft.getAllowedAlgorithms().length, 0);
    }

    function test_transfer_wipesRolesMintersAndCollector() public {
        (DataNFT nft, Datatoken dt,,) = _publish(0, 0);
        address manager = makeAddr("manager");
        vm.prank(publisher);
        nft.grantDataRole(IDataNFT.Role.Manager, manager);
        vm.expectEmit(address(nft));
        emit IDataNFT.PermissionsCleaned(buyer);
        vm.prank(publisher);
        nft.transferFrom(publisher, buyer, 1);
        assertFalse(nft.hasDataRole(IDataNFT.Role.Manager, manager));
        assertFalse(nft.hasDataRole(IDataNFT.Role.Manager, publisher));
        assertTrue(nft.hasDataRole(IDataNFT.Role.Deployer, buyer));
        assertFalse(dt.isMinter(publisher));
        assertFalse(dt.isMinter(address(exchange)));
        assertEq(dt.paymentCollector(), buyer);
    }

    function test_transfer_revertsWhenNotTransferable() public {
        IDataNFTFactory.NftParams memory p = _nftParams();
        p.transferable = false;
        (address n,) = factory.createNft(p);
        vm.prank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IDataNFT.DataNFTNotTransferable.selector, 1));
        DataNFT(n).transferFrom(publisher, buyer, 1);
    }

    // ---------------------------------------------------------------- datatoken roles

    function test_mint_minterOnlyWithinCap() public {
        IDatatoken.DatatokenParams memory p = _dtParams(0);
        p.cap = 5 ether;
        _create(p, _pricing(IDataNFTFactory.PricingKind.None, 0));
        Datatoken dt = Datatoken(DataNFT(factory.nftAt(0)).getDatatokens()[0]);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenNotMinter.selector, buyer));
        dt.mint(buyer, 1);
        vm.prank(publisher);
        dt.mint(buyer, 5 ether);
        vm.prank(publisher);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenCapExceeded.selector, 5 ether, 1, 5 ether));
        dt.mint(buyer, 1);
    }

    function test_setMinter_setPaymentCollector_deployerOnly() public {
        (, Datatoken dt,,) = _publish(0, 0);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenNotDeployer.selector, buyer));
        dt.setMinter(buyer, true);
        vm.prank(buyer);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenNotDeployer.selector, buyer));
        dt.setPaymentCollector(buyer);
        vm.startPrank(publisher);
        dt.setMinter(buyer, true);
        dt.setPaymentCollector(treasury);
        vm.stopPrank();
        assertTrue(dt.isMinter(buyer));
        assertEq(dt.paymentCollector(), treasury);
    }

    function test_setPublishMarketFee_onlyPublishMarket() public {
        (, Datatoken dt,,) = _publish(1 ether, 0);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenNotPublishMarket.selector, address(this)));
        dt.setPublishMarketFee(IDatatoken.Fee(address(this), address(noos), 0));
        vm.prank(publishMarket);
        dt.setPublishMarketFee(IDatatoken.Fee(publishMarket, address(noos), 2 ether));
        assertEq(dt.publishMarketFee().amount, 2 ether);
    }

    function test_cleanPermissions_onlyNFT() public {
        (, Datatoken dt,,) = _publish(0, 0);
        vm.expectRevert(abi.encodeWithSelector(IDatatoken.DatatokenNotNFT.selector, address(this)));
        dt.cleanPermissions(buyer);
    }

    // silence unused-import warnings
    function _unused() internal pure returns (bytes4) {
        return IFixedRateExchange.ExchangeZeroAmount.selector;
    }
}
