import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ElectionFrame {
  kind: ElectionFrame.Kind
  cluster: string
  from: string
  to: string
  term: number
  configVersion: number
  configTerm: number
  granted: boolean
  transfer: boolean
  round: number
  ok: boolean
  payload: Uint8Array<ArrayBuffer>
  seq: number
  peers: ElectionFrame.PeerAddresses[]
  voters: string[]
  leaving: boolean
  steady: number
  configuration?: ElectionFrame.ConfigurationId
  locked: string[]
  group: string
  groupTermFloor: number
  maxGroupTerm: number
  groups: boolean
  asked: boolean
  batch: Uint8Array<ArrayBuffer>[]
  batches: boolean
  preferred: boolean
  quiet: boolean
}

export namespace ElectionFrame {
  export enum Kind {
    KIND_UNSPECIFIED = 'KIND_UNSPECIFIED',
    PRE_VOTE = 'PRE_VOTE',
    PRE_VOTE_RESPONSE = 'PRE_VOTE_RESPONSE',
    VOTE = 'VOTE',
    VOTE_RESPONSE = 'VOTE_RESPONSE',
    HEARTBEAT = 'HEARTBEAT',
    HEARTBEAT_RESPONSE = 'HEARTBEAT_RESPONSE',
    TIMEOUT_NOW = 'TIMEOUT_NOW',
    BROADCAST = 'BROADCAST',
    LEAVE = 'LEAVE',
    HELLO = 'HELLO',
    PEERS = 'PEERS',
    BATCH = 'BATCH'
  }

  enum __KindValues {
    KIND_UNSPECIFIED = 0,
    PRE_VOTE = 1,
    PRE_VOTE_RESPONSE = 2,
    VOTE = 3,
    VOTE_RESPONSE = 4,
    HEARTBEAT = 5,
    HEARTBEAT_RESPONSE = 6,
    TIMEOUT_NOW = 7,
    BROADCAST = 8,
    LEAVE = 9,
    HELLO = 10,
    PEERS = 11,
    BATCH = 12
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  export interface ConfigurationId {
    term: number
    version: number
  }

  export namespace ConfigurationId {
    let _codec: Codec<ConfigurationId>

    export const codec = (): Codec<ConfigurationId> => {
      if (_codec == null) {
        _codec = message<ConfigurationId>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.term != null && obj.term !== 0)) {
            w.uint32(8)
            w.uint64Number(obj.term)
          }

          if ((obj.version != null && obj.version !== 0)) {
            w.uint32(16)
            w.uint64Number(obj.version)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            term: 0,
            version: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.term = reader.uint64Number()
                break
              }
              case 2: {
                obj.version = reader.uint64Number()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.term`,
                  value: reader.uint64Number()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.version`,
                  value: reader.uint64Number()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface ConfigurationIdTermFieldEvent {
      field: '$.term'
      value: number
    }

    export interface ConfigurationIdVersionFieldEvent {
      field: '$.version'
      value: number
    }

    export function encode (obj: Partial<ConfigurationId>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, ConfigurationId.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ConfigurationId>): ConfigurationId {
      return decodeMessage(buf, ConfigurationId.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ConfigurationId>): Generator<ConfigurationIdTermFieldEvent | ConfigurationIdVersionFieldEvent> {
      return streamMessage(buf, ConfigurationId.codec(), opts)
    }
  }

  export interface PeerAddresses {
    id: string
    addrs: Uint8Array<ArrayBuffer>[]
    voter: boolean
  }

  export namespace PeerAddresses {
    let _codec: Codec<PeerAddresses>

    export const codec = (): Codec<PeerAddresses> => {
      if (_codec == null) {
        _codec = message<PeerAddresses>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.id != null && obj.id !== '')) {
            w.uint32(10)
            w.string(obj.id)
          }

          if (obj.addrs != null && obj.addrs.length > 0) {
            for (const value of obj.addrs) {
              w.uint32(18)
              w.bytes(value)
            }
          }

          if ((obj.voter != null && obj.voter !== false)) {
            w.uint32(24)
            w.bool(obj.voter)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            id: '',
            addrs: [],
            voter: false
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.id = reader.string()
                break
              }
              case 2: {
                if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                  throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
                }

                if (obj.addrs.length === 16) {
                  throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
                }

                obj.addrs.push(reader.bytes())
                break
              }
              case 3: {
                obj.voter = reader.bool()
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }

          return obj
        }, function * (reader, length, prefix, opts = {}) {
          const obj = {
            addrs: 16
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                yield {
                  field: `${prefix}.id`,
                  value: reader.string()
                }
                break
              }
              case 2: {
                if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                  throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
                }

                if (obj.addrs === 16) {
                  throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
                }

                yield {
                  field: `${prefix}.addrs[]`,
                  index: obj.addrs,
                  value: reader.bytes()
                }

                obj.addrs++

                break
              }
              case 3: {
                yield {
                  field: `${prefix}.voter`,
                  value: reader.bool()
                }
                break
              }
              default: {
                reader.skipType(tag & 7)
                break
              }
            }
          }
        })
      }

      return _codec
    }

    export interface PeerAddressesIdFieldEvent {
      field: '$.id'
      value: string
    }

    export interface PeerAddressesAddrsFieldEvent {
      field: '$.addrs[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export interface PeerAddressesVoterFieldEvent {
      field: '$.voter'
      value: boolean
    }

    export function encode (obj: Partial<PeerAddresses>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, PeerAddresses.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerAddresses>): PeerAddresses {
      return decodeMessage(buf, PeerAddresses.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerAddresses>): Generator<PeerAddressesIdFieldEvent | PeerAddressesAddrsFieldEvent | PeerAddressesVoterFieldEvent> {
      return streamMessage(buf, PeerAddresses.codec(), opts)
    }
  }

  let _codec: Codec<ElectionFrame>

  export const codec = (): Codec<ElectionFrame> => {
    if (_codec == null) {
      _codec = message<ElectionFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          ElectionFrame.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.cluster != null && obj.cluster !== '')) {
          w.uint32(18)
          w.string(obj.cluster)
        }

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(26)
          w.string(obj.from)
        }

        if ((obj.to != null && obj.to !== '')) {
          w.uint32(34)
          w.string(obj.to)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.term)
        }

        if ((obj.configVersion != null && obj.configVersion !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.configVersion)
        }

        if ((obj.configTerm != null && obj.configTerm !== 0)) {
          w.uint32(112)
          w.uint64Number(obj.configTerm)
        }

        if ((obj.granted != null && obj.granted !== false)) {
          w.uint32(56)
          w.bool(obj.granted)
        }

        if ((obj.transfer != null && obj.transfer !== false)) {
          w.uint32(64)
          w.bool(obj.transfer)
        }

        if ((obj.round != null && obj.round !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.round)
        }

        if ((obj.ok != null && obj.ok !== false)) {
          w.uint32(80)
          w.bool(obj.ok)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.payload)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(96)
          w.uint64Number(obj.seq)
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(106)
            ElectionFrame.PeerAddresses.codec().encode(value, w)
          }
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(122)
            w.string(value)
          }
        }

        if ((obj.leaving != null && obj.leaving !== false)) {
          w.uint32(128)
          w.bool(obj.leaving)
        }

        if ((obj.steady != null && obj.steady !== 0)) {
          w.uint32(144)
          w.uint64Number(obj.steady)
        }

        if (obj.configuration != null) {
          w.uint32(138)
          ElectionFrame.ConfigurationId.codec().encode(obj.configuration, w)
        }

        if (obj.locked != null && obj.locked.length > 0) {
          for (const value of obj.locked) {
            w.uint32(154)
            w.string(value)
          }
        }

        if ((obj.group != null && obj.group !== '')) {
          w.uint32(162)
          w.string(obj.group)
        }

        if ((obj.groupTermFloor != null && obj.groupTermFloor !== 0)) {
          w.uint32(168)
          w.uint64Number(obj.groupTermFloor)
        }

        if ((obj.maxGroupTerm != null && obj.maxGroupTerm !== 0)) {
          w.uint32(176)
          w.uint64Number(obj.maxGroupTerm)
        }

        if ((obj.groups != null && obj.groups !== false)) {
          w.uint32(184)
          w.bool(obj.groups)
        }

        if ((obj.asked != null && obj.asked !== false)) {
          w.uint32(192)
          w.bool(obj.asked)
        }

        if (obj.batch != null && obj.batch.length > 0) {
          for (const value of obj.batch) {
            w.uint32(202)
            w.bytes(value)
          }
        }

        if ((obj.batches != null && obj.batches !== false)) {
          w.uint32(208)
          w.bool(obj.batches)
        }

        if ((obj.preferred != null && obj.preferred !== false)) {
          w.uint32(216)
          w.bool(obj.preferred)
        }

        if ((obj.quiet != null && obj.quiet !== false)) {
          w.uint32(224)
          w.bool(obj.quiet)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.KIND_UNSPECIFIED,
          cluster: '',
          from: '',
          to: '',
          term: 0,
          configVersion: 0,
          configTerm: 0,
          granted: false,
          transfer: false,
          round: 0,
          ok: false,
          payload: uint8ArrayAlloc(0),
          seq: 0,
          peers: [],
          voters: [],
          leaving: false,
          steady: 0,
          locked: [],
          group: '',
          groupTermFloor: 0,
          maxGroupTerm: 0,
          groups: false,
          asked: false,
          batch: [],
          batches: false,
          preferred: false,
          quiet: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = ElectionFrame.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.cluster = reader.string()
              break
            }
            case 3: {
              obj.from = reader.string()
              break
            }
            case 4: {
              obj.to = reader.string()
              break
            }
            case 5: {
              obj.term = reader.uint64Number()
              break
            }
            case 6: {
              obj.configVersion = reader.uint64Number()
              break
            }
            case 14: {
              obj.configTerm = reader.uint64Number()
              break
            }
            case 7: {
              obj.granted = reader.bool()
              break
            }
            case 8: {
              obj.transfer = reader.bool()
              break
            }
            case 9: {
              obj.round = reader.uint64Number()
              break
            }
            case 10: {
              obj.ok = reader.bool()
              break
            }
            case 11: {
              obj.payload = reader.bytes()
              break
            }
            case 12: {
              obj.seq = reader.uint64Number()
              break
            }
            case 13: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              if (obj.peers.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(ElectionFrame.PeerAddresses.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            case 15: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              if (obj.voters.length === 64) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(reader.string())
              break
            }
            case 16: {
              obj.leaving = reader.bool()
              break
            }
            case 18: {
              obj.steady = reader.uint64Number()
              break
            }
            case 17: {
              obj.configuration = ElectionFrame.ConfigurationId.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.configuration
              })
              break
            }
            case 19: {
              if (opts.limits?.locked != null && obj.locked.length === opts.limits.locked) {
                throw new MaxLengthError('Decode error - repeated field "locked" had too many elements')
              }

              if (obj.locked.length === 1001) {
                throw new MaxLengthError('Decode error - repeated field "locked" had too many elements')
              }

              obj.locked.push(reader.string())
              break
            }
            case 20: {
              obj.group = reader.string()
              break
            }
            case 21: {
              obj.groupTermFloor = reader.uint64Number()
              break
            }
            case 22: {
              obj.maxGroupTerm = reader.uint64Number()
              break
            }
            case 23: {
              obj.groups = reader.bool()
              break
            }
            case 24: {
              obj.asked = reader.bool()
              break
            }
            case 25: {
              if (opts.limits?.batch != null && obj.batch.length === opts.limits.batch) {
                throw new MaxLengthError('Decode error - repeated field "batch" had too many elements')
              }

              if (obj.batch.length === 4096) {
                throw new MaxLengthError('Decode error - repeated field "batch" had too many elements')
              }

              obj.batch.push(reader.bytes())
              break
            }
            case 26: {
              obj.batches = reader.bool()
              break
            }
            case 27: {
              obj.preferred = reader.bool()
              break
            }
            case 28: {
              obj.quiet = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          peers: 64,
          voters: 64,
          locked: 1001,
          batch: 4096
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: ElectionFrame.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.cluster`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.to`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.configVersion`,
                value: reader.uint64Number()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.configTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.granted`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.transfer`,
                value: reader.bool()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.round`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.ok`,
                value: reader.bool()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 13: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              if (obj.peers === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of ElectionFrame.PeerAddresses.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            case 15: {
              if (opts.limits?.voters != null && obj.voters === opts.limits.voters) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              if (obj.voters === 64) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              yield {
                field: `${prefix}.voters[]`,
                index: obj.voters,
                value: reader.string()
              }

              obj.voters++

              break
            }
            case 16: {
              yield {
                field: `${prefix}.leaving`,
                value: reader.bool()
              }
              break
            }
            case 18: {
              yield {
                field: `${prefix}.steady`,
                value: reader.uint64Number()
              }
              break
            }
            case 17: {
              yield * ElectionFrame.ConfigurationId.codec().stream(reader, reader.uint32(), `${prefix}.configuration`, {
                limits: opts.limits?.configuration
              })

              break
            }
            case 19: {
              if (opts.limits?.locked != null && obj.locked === opts.limits.locked) {
                throw new MaxLengthError('Streaming decode error - repeated field "locked" had too many elements')
              }

              if (obj.locked === 1001) {
                throw new MaxLengthError('Streaming decode error - repeated field "locked" had too many elements')
              }

              yield {
                field: `${prefix}.locked[]`,
                index: obj.locked,
                value: reader.string()
              }

              obj.locked++

              break
            }
            case 20: {
              yield {
                field: `${prefix}.group`,
                value: reader.string()
              }
              break
            }
            case 21: {
              yield {
                field: `${prefix}.groupTermFloor`,
                value: reader.uint64Number()
              }
              break
            }
            case 22: {
              yield {
                field: `${prefix}.maxGroupTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 23: {
              yield {
                field: `${prefix}.groups`,
                value: reader.bool()
              }
              break
            }
            case 24: {
              yield {
                field: `${prefix}.asked`,
                value: reader.bool()
              }
              break
            }
            case 25: {
              if (opts.limits?.batch != null && obj.batch === opts.limits.batch) {
                throw new MaxLengthError('Streaming decode error - repeated field "batch" had too many elements')
              }

              if (obj.batch === 4096) {
                throw new MaxLengthError('Streaming decode error - repeated field "batch" had too many elements')
              }

              yield {
                field: `${prefix}.batch[]`,
                index: obj.batch,
                value: reader.bytes()
              }

              obj.batch++

              break
            }
            case 26: {
              yield {
                field: `${prefix}.batches`,
                value: reader.bool()
              }
              break
            }
            case 27: {
              yield {
                field: `${prefix}.preferred`,
                value: reader.bool()
              }
              break
            }
            case 28: {
              yield {
                field: `${prefix}.quiet`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ElectionFrameKindFieldEvent {
    field: '$.kind'
    value: ElectionFrame.Kind
  }

  export interface ElectionFrameClusterFieldEvent {
    field: '$.cluster'
    value: string
  }

  export interface ElectionFrameFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface ElectionFrameToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface ElectionFrameTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface ElectionFrameConfigVersionFieldEvent {
    field: '$.configVersion'
    value: number
  }

  export interface ElectionFrameConfigTermFieldEvent {
    field: '$.configTerm'
    value: number
  }

  export interface ElectionFrameGrantedFieldEvent {
    field: '$.granted'
    value: boolean
  }

  export interface ElectionFrameTransferFieldEvent {
    field: '$.transfer'
    value: boolean
  }

  export interface ElectionFrameRoundFieldEvent {
    field: '$.round'
    value: number
  }

  export interface ElectionFrameOkFieldEvent {
    field: '$.ok'
    value: boolean
  }

  export interface ElectionFramePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ElectionFrameSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface ElectionFramePeersIdFieldEvent {
    field: '$.peers[].id'
    value: string
    index: number
  }

  export interface ElectionFramePeersAddrsFieldEvent {
    field: '$.peers[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ElectionFramePeersVoterFieldEvent {
    field: '$.peers[].voter'
    value: boolean
    index: number
  }

  export interface ElectionFrameVotersFieldEvent {
    field: '$.voters[]'
    index: number
    value: string
  }

  export interface ElectionFrameLeavingFieldEvent {
    field: '$.leaving'
    value: boolean
  }

  export interface ElectionFrameSteadyFieldEvent {
    field: '$.steady'
    value: number
  }

  export interface ElectionFrameConfigurationTermFieldEvent {
    field: '$.configuration.term'
    value: number
  }

  export interface ElectionFrameConfigurationVersionFieldEvent {
    field: '$.configuration.version'
    value: number
  }

  export interface ElectionFrameLockedFieldEvent {
    field: '$.locked[]'
    index: number
    value: string
  }

  export interface ElectionFrameGroupFieldEvent {
    field: '$.group'
    value: string
  }

  export interface ElectionFrameGroupTermFloorFieldEvent {
    field: '$.groupTermFloor'
    value: number
  }

  export interface ElectionFrameMaxGroupTermFieldEvent {
    field: '$.maxGroupTerm'
    value: number
  }

  export interface ElectionFrameGroupsFieldEvent {
    field: '$.groups'
    value: boolean
  }

  export interface ElectionFrameAskedFieldEvent {
    field: '$.asked'
    value: boolean
  }

  export interface ElectionFrameBatchFieldEvent {
    field: '$.batch[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface ElectionFrameBatchesFieldEvent {
    field: '$.batches'
    value: boolean
  }

  export interface ElectionFramePreferredFieldEvent {
    field: '$.preferred'
    value: boolean
  }

  export interface ElectionFrameQuietFieldEvent {
    field: '$.quiet'
    value: boolean
  }

  export function encode (obj: Partial<ElectionFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ElectionFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ElectionFrame>): ElectionFrame {
    return decodeMessage(buf, ElectionFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ElectionFrame>): Generator<ElectionFrameKindFieldEvent | ElectionFrameClusterFieldEvent | ElectionFrameFromFieldEvent | ElectionFrameToFieldEvent | ElectionFrameTermFieldEvent | ElectionFrameConfigVersionFieldEvent | ElectionFrameConfigTermFieldEvent | ElectionFrameGrantedFieldEvent | ElectionFrameTransferFieldEvent | ElectionFrameRoundFieldEvent | ElectionFrameOkFieldEvent | ElectionFramePayloadFieldEvent | ElectionFrameSeqFieldEvent | ElectionFramePeersIdFieldEvent | ElectionFramePeersAddrsFieldEvent | ElectionFramePeersVoterFieldEvent | ElectionFrameVotersFieldEvent | ElectionFrameLeavingFieldEvent | ElectionFrameSteadyFieldEvent | ElectionFrameConfigurationTermFieldEvent | ElectionFrameConfigurationVersionFieldEvent | ElectionFrameLockedFieldEvent | ElectionFrameGroupFieldEvent | ElectionFrameGroupTermFloorFieldEvent | ElectionFrameMaxGroupTermFieldEvent | ElectionFrameGroupsFieldEvent | ElectionFrameAskedFieldEvent | ElectionFrameBatchFieldEvent | ElectionFrameBatchesFieldEvent | ElectionFramePreferredFieldEvent | ElectionFrameQuietFieldEvent> {
    return streamMessage(buf, ElectionFrame.codec(), opts)
  }
}

export interface GossipMessage {
  kind: GossipMessage.Kind
  cluster: string
  payload: Uint8Array<ArrayBuffer>
  seq: number
  term: number
}

export namespace GossipMessage {
  export enum Kind {
    KIND_UNSPECIFIED = 'KIND_UNSPECIFIED',
    BROADCAST = 'BROADCAST',
    LEADER_ANNOUNCEMENT = 'LEADER_ANNOUNCEMENT'
  }

  enum __KindValues {
    KIND_UNSPECIFIED = 0,
    BROADCAST = 1,
    LEADER_ANNOUNCEMENT = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<GossipMessage>

  export const codec = (): Codec<GossipMessage> => {
    if (_codec == null) {
      _codec = message<GossipMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          GossipMessage.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.cluster != null && obj.cluster !== '')) {
          w.uint32(18)
          w.string(obj.cluster)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.payload)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.term)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.KIND_UNSPECIFIED,
          cluster: '',
          payload: uint8ArrayAlloc(0),
          seq: 0,
          term: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = GossipMessage.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.cluster = reader.string()
              break
            }
            case 3: {
              obj.payload = reader.bytes()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            case 5: {
              obj.term = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: GossipMessage.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.cluster`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface GossipMessageKindFieldEvent {
    field: '$.kind'
    value: GossipMessage.Kind
  }

  export interface GossipMessageClusterFieldEvent {
    field: '$.cluster'
    value: string
  }

  export interface GossipMessagePayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GossipMessageSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface GossipMessageTermFieldEvent {
    field: '$.term'
    value: number
  }

  export function encode (obj: Partial<GossipMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GossipMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GossipMessage>): GossipMessage {
    return decodeMessage(buf, GossipMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GossipMessage>): Generator<GossipMessageKindFieldEvent | GossipMessageClusterFieldEvent | GossipMessagePayloadFieldEvent | GossipMessageSeqFieldEvent | GossipMessageTermFieldEvent> {
    return streamMessage(buf, GossipMessage.codec(), opts)
  }
}
