// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ITradingVault} from "../../../src/apps/trading/ITradingVault.sol";
import {IUniswapV2PairLike} from "../../../src/apps/trading/IUniswapV2PairLike.sol";
import {TradingVault} from "../../../src/apps/trading/TradingVault.sol";
import {ICoprocessorCoordinator} from "../../../src/coprocessor/ICoprocessorCoordinator.sol";
import {IModelRegistry} from "../../../src/zk/IModelRegistry.sol";
import {CoprocessorFixture} from "../../coprocessor/CoprocessorFixture.sol";

/// @notice A plain ERC-20 whose transfers to one address can be blocked (to make a swap fail).
contract TestToken is ERC20 {
    address public blockedTo;

    constructor(string memory name) ERC20(name, name) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function blockTransfersTo(address to) external {
        blockedTo = to;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(to != blockedTo || to == address(0), "blocked");
        super._update(from, to, value);
    }
}

/// @notice Accepts any proof with 5 public signals. The vault tests run every delivery through the
///         real coordinator and ProofRegistry (statement split, input hash bound to the vault's
///         on-chain features, output hash bound to the delivered logits), with any logits the test
///         picks; the Groth16 check itself has real proofs in the coordinator tests and the
///         trading-agent demo (real model, real proof).
contract AcceptingVerifier {
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[5] calldata)
        external
        pure
        returns (bool)
    {
        return true;
    }
}

interface IUniswapV2FactoryLike {
    function createPair(address a, address b) external returns (address);
    function getPair(address a, address b) external view returns (address);
}

interface IUniswapV2PairFull is IUniswapV2PairLike {
    function mint(address to) external returns (uint256 liquidity);
    function factory() external view returns (address);
}

/// @notice The coprocessor fixture plus a REAL Uniswap v2 factory and pair deployed from the npm
///         package's build artifacts (npm package uniswap v2-core 1.0.1), two tokens with liquidity, the
///         decision model (2 public inputs, 3 public outputs) and a funded vault.
abstract contract TradingVaultFixture is CoprocessorFixture {
    string internal constant FACTORY_ARTIFACT = "../node_modules/@uniswap/v2-core/build/UniswapV2Factory.json";
    uint256 internal constant LIQUIDITY = 10_000 ether;
    uint256 internal constant DEPOSIT = 1_000 ether;
    uint8 internal constant INPUT_SCALE = 7;

    TestToken internal baseToken;
    TestToken internal quoteTok;
    IUniswapV2FactoryLike internal factory;
    IUniswapV2PairFull internal pair;
    TradingVault internal vault;
    uint256 internal tradingModel;
    address internal trader = makeAddr("trader");
    address internal whale = makeAddr("whale");

    function setUp() public virtual override {
        super.setUp();
        baseToken = new TestToken("BASE");
        quoteTok = new TestToken("QUOTE");
        factory = IUniswapV2FactoryLike(_deployArtifact(FACTORY_ARTIFACT, abi.encode(address(this))));
        pair = IUniswapV2PairFull(factory.createPair(address(baseToken), address(quoteTok)));
        _addLiquidity(LIQUIDITY, LIQUIDITY);

        vm.prank(owner);
        tradingModel = models.registerModel(
            IModelRegistry.Registration({
                onnxHash: ONNX_HASH,
                settingsHash: SETTINGS_HASH,
                verifier: _verifier(),
                paramCommitment: 0,
                layout: IModelRegistry.Layout({
                    hasParamHash: false,
                    inputSignals: 2,
                    outputSignals: 3,
                    inputVisibility: IModelRegistry.InputVisibility.Public,
                    outputVisibility: IModelRegistry.OutputVisibility.Public
                }),
                metadataURI: METADATA
            })
        );
        vm.prank(node1);
        coordinator.setNodeFee(tradingModel, address(token), true, FEE);

        vault = new TradingVault(coordinator, pair, address(baseToken), trader, _config());
        _fundEscrow(address(vault), 100 ether);
        baseToken.mint(trader, DEPOSIT);
        quoteTok.mint(trader, DEPOSIT);
        vm.startPrank(trader);
        baseToken.approve(address(vault), type(uint256).max);
        quoteTok.approve(address(vault), type(uint256).max);
        vault.deposit(address(baseToken), DEPOSIT);
        vault.deposit(address(quoteTok), DEPOSIT);
        vm.stopPrank();
    }

    /// @dev Deploys a Waffle build artifact's `bytecode` with constructor arguments. (deployCode /
    ///      vm.getCode refuse these files: they carry both `bytecode` and `evm.bytecode`.)
    function _deployArtifact(string memory path, bytes memory args) internal returns (address deployed) {
        bytes memory code = abi.encodePacked(vm.parseBytes(vm.parseJsonString(vm.readFile(path), ".bytecode")), args);
        assembly ("memory-safe") {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "artifact deployment failed");
    }

    /// @dev The decision model's Groth16 verifier (TradingVaultProof.t.sol: the real one).
    function _verifier() internal virtual returns (address) {
        return address(new AcceptingVerifier());
    }

    /// @dev The decision model's input scale (TradingVaultProof.t.sol: the real model's).
    function _inputScale() internal view virtual returns (uint8) {
        return INPUT_SCALE;
    }

    function _config() internal view returns (ITradingVault.Config memory c) {
        c.modelId = tradingModel;
        c.inputScale = _inputScale();
        c.paymentToken = address(token);
        c.feeCap = FEE_CAP;
        c.callbackGasLimit = 400_000;
        c.decisionTtl = 1 hours;
        c.minTwapWindow = 60;
        c.tradeBps = 1_000;
        c.maxSlippageBps = 100;
        c.periodLength = 1 days;
        c.maxTradePerPeriod = 250 ether;
    }

    function _addLiquidity(uint256 b, uint256 q) internal {
        baseToken.mint(address(pair), b);
        quoteTok.mint(address(pair), q);
        pair.mint(address(this));
    }

    /// @dev The pair's reserves as (base, quote).
    function _reserves() internal view returns (uint256 rBase, uint256 rQuote) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        (rBase, rQuote) = pair.token0() == address(baseToken) ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
    }

    /// @dev A whale swaps on the pair directly: `quoteIn` of QUOTE for BASE (price of BASE up), or
    ///      `baseIn` of BASE for QUOTE (price down). One of them is 0; a dust trade that buys nothing is not made.
    function _whaleSwap(uint256 quoteIn, uint256 baseIn) internal {
        (uint256 rBase, uint256 rQuote) = _reserves();
        bool baseIs0 = pair.token0() == address(baseToken);
        if (quoteIn > 0) {
            uint256 out = vault.quote(quoteIn, rQuote, rBase);
            if (out == 0) return;
            quoteTok.mint(address(pair), quoteIn);
            pair.swap(baseIs0 ? out : 0, baseIs0 ? 0 : out, whale, "");
        } else if (baseIn > 0) {
            uint256 out = vault.quote(baseIn, rBase, rQuote);
            if (out == 0) return;
            baseToken.mint(address(pair), baseIn);
            pair.swap(baseIs0 ? 0 : out, baseIs0 ? out : 0, whale, "");
        }
    }

    /// @dev Lets the TWAP window pass at the current price, then moves the price (quoteIn: up).
    function _moveAfterWindow(uint256 quoteIn, uint256 baseIn) internal {
        vm.warp(block.timestamp + 10 minutes);
        _whaleSwap(quoteIn, baseIn);
        vm.warp(block.timestamp + 12);
    }

    /// @dev Triggers as the trader; returns the committed request and the inline input.
    function _trigger() internal returns (ICoprocessorCoordinator.Request memory r, int256[] memory values) {
        (,, values,,,) = vault.features();
        vm.prank(trader);
        uint256 id = vault.trigger();
        ITradingVault.Config memory c = vault.config();
        ICoprocessorCoordinator.RequestParams memory p = _params(c.modelId, values, bytes32(0), ZK_MODE, 1);
        p.callbackGasLimit = c.callbackGasLimit;
        p.deadline = uint64(block.timestamp + c.decisionTtl);
        p.feeCap = c.feeCap;
        r = _committed(id, address(vault), p);
    }

    ICoprocessorCoordinator.Verification internal constant ZK_MODE = ICoprocessorCoordinator.Verification.Zk;

    function _logits(int256 buy, int256 sell, int256 hold) internal pure returns (int256[] memory l) {
        l = new int256[](3);
        (l[0], l[1], l[2]) = (buy, sell, hold);
    }

    function _field(int256 x) internal pure returns (uint256) {
        return x >= 0 ? uint256(x) : FIELD_MODULUS - uint256(-x);
    }

    /// @dev Delivers `logits` for `r` as node1 with a proof whose public signals are the vault's
    ///      inputs and the logits (field-mapped), as a public-input circuit states them.
    function _deliver(ICoprocessorCoordinator.Request memory r, int256[] memory values, int256[] memory logits)
        internal
        returns (uint256 gasUsed)
    {
        uint256[] memory signals = new uint256[](values.length + logits.length);
        for (uint256 i; i < values.length; ++i) {
            signals[i] = _field(values[i]);
        }
        for (uint256 i; i < logits.length; ++i) {
            signals[values.length + i] = _field(logits[i]);
        }
        ICoprocessorCoordinator.Output memory o;
        o.values = logits;
        uint256[8] memory proof;
        vm.prank(node1);
        coordinator.deliver(r, 1, o, abi.encode(proof, signals));
        gasUsed = vm.lastCallGas().gasTotalUsed;
    }

    function _balances() internal view returns (uint256 b, uint256 q) {
        b = baseToken.balanceOf(address(vault));
        q = quoteTok.balanceOf(address(vault));
    }
}
